import { WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { findStrings, type FoundString } from './find-strings.js';

const OptionsSchema = z.object({
  /** Shortest run of printable characters reported (GNU strings' -n). */
  min_length: z.number().int().min(1).default(4),
  /** Which encodings to look for. */
  encodings: z
    .array(z.enum(['ascii', 'utf-16le']))
    .min(1)
    .default(['ascii', 'utf-16le']),
  /** At most this many strings per payload. */
  max_strings: z.number().int().positive().default(10_000),
  /** At most this many characters of string text per payload, all strings together. */
  max_bytes: z.number().int().positive().default(1_000_000),
});

const WIDTH = { ascii: 1, 'utf-16le': 2 } as const;

/**
 * Printable strings in the payload, as `strings -a -t d -n <min_length>` (ASCII) and
 * `strings -a -t d -n <min_length> -e l` (UTF-16LE) print them, with their byte offsets, in offset
 * order. Past `max_strings` or `max_bytes`, only the strings before the first one left out are
 * reported, and `truncated` says so.
 */
export class StringsPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  scan(payload: Payload): WorkerResponse {
    const { min_length: minLength, encodings, max_strings: maxStrings, max_bytes: maxChars } = this.options;
    const found: FoundString[] = [];
    let stop = Number.POSITIVE_INFINITY;
    for (const encoding of new Set(encodings)) {
      const outcome = findStrings(payload.content, WIDTH[encoding], { minLength, maxStrings, maxChars });
      found.push(...outcome.strings);
      if (outcome.stoppedAt !== undefined) stop = Math.min(stop, outcome.stoppedAt);
    }
    // Each encoding was capped on its own; together they are cut again, so that what is reported is
    // every string before one offset, in both encodings, never a gap.
    found.sort((a, b) => a.offset - b.offset || (a.encoding === 'ascii' ? -1 : 1));
    const strings: FoundString[] = [];
    let chars = 0;
    for (const s of found) {
      if (s.offset >= stop) break;
      if (strings.length >= maxStrings || chars + s.value.length > maxChars) {
        stop = s.offset;
        break;
      }
      strings.push(s);
      chars += s.value.length;
    }
    return new WorkerResponse({ results: { strings, truncated: stop !== Number.POSITIVE_INFINITY } });
  }
}
