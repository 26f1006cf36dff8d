import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { EXTRACTORS, IOC_TYPES, type IocType } from './extract.js';
import { refang } from './refang.js';
import { Whitelist } from './whitelist.js';

const OptionsSchema = z.object({
  /** Whitelist files (`type:pattern` lines); relative paths resolve from this plugin's folder. */
  whitelist_file: z.array(z.string()).default(['whitelist.txt']),
  /** More whitelist entries, `type:pattern` each, added to the files'. */
  whitelist: z.array(z.string()).default([]),
  /** Which indicator types to extract. */
  types: z.array(z.enum(IOC_TYPES)).default([...IOC_TYPES]),
  /** Only the first this many bytes of a payload are searched. */
  max_size: z.number().int().positive().default(10_000_000),
  /** At most this many distinct indicators reported per type. */
  max_per_type: z.number().int().positive().default(10_000),
});

/**
 * Indicators of compromise in text: hashes, IP and MAC addresses, e-mail addresses, domains and
 * URLs, defanged forms included (reported refanged), with upstream's result shape
 * `{type: [unique normalised strings]}`. Domains count only when their suffix is in the ICANN
 * section of the public suffix list bundled with tldts, so `report.pdf` is no domain.
 */
export class IocExtractPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  #whitelist = new Whitelist();

  override async setup(): Promise<void> {
    for (const file of this.options.whitelist_file) {
      const path = isAbsolute(file) ? file : join(this.pluginDir, file);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        throw new Error(`cannot read whitelist_file ${path}: ${(err as Error).message}`, { cause: err });
      }
      for (const [k, line] of text.split(/\r?\n/).entries()) this.#whitelist.add(line, `${path}:${k + 1}`);
    }
    for (const [k, entry] of this.options.whitelist.entries()) this.#whitelist.add(entry, `option whitelist[${k}]`);
  }

  scan(payload: Payload): WorkerResponse {
    const { max_size: maxSize, max_per_type: maxPerType } = this.options;
    const content = payload.content;
    const errors: string[] = [];
    if (content.byteLength > maxSize)
      errors.push(`payload of ${content.byteLength} bytes is larger than max_size (${maxSize}); only its first ${maxSize} bytes were searched`);
    // Latin-1 maps every byte to one character, so binary payloads decode too; indicators are ASCII.
    const text = refang(Buffer.from(content.buffer, content.byteOffset, Math.min(content.byteLength, maxSize)).toString('latin1'));
    const results: Partial<Record<IocType, string[]>> = {};
    for (const type of new Set(this.options.types)) {
      const [pattern, normalise] = EXTRACTORS[type];
      const found = new Set<string>();
      let matched = false;
      for (const m of text.matchAll(pattern)) {
        const value = normalise(m, text);
        if (value === undefined) continue;
        matched = true;
        if (found.has(value) || this.#whitelist.has(type, value)) continue;
        if (found.size >= maxPerType) {
          errors.push(`more than max_per_type (${maxPerType}) ${type} indicators; only the first ${maxPerType} are reported`);
          break;
        }
        found.add(value);
      }
      // As upstream: a type is present when it matched, even if the whitelist then emptied it.
      if (matched) results[type] = [...found];
    }
    return new WorkerResponse({ results, errors });
  }
}
