import { ExtractedPayload, PayloadMeta, StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { carvePes } from './carve.js';

const OptionsSchema = z.object({
  /** PEs extracted at most from one payload. */
  max_carved: z.number().int().positive().default(100),
  /** MZ candidates whose headers are checked at most (each costs a few reads). */
  max_candidates: z.number().int().positive().default(100_000),
  /** Section headers read at most per candidate (as peinfo's max_sections). */
  max_sections: z.number().int().positive().default(2048),
});

/**
 * Finds PE files embedded in a payload: every `MZ` past offset 0 whose headers parse as a PE is
 * extracted, trimmed where pefile's `trim()` trims it (the end of the data its headers describe),
 * with its offset in `extra_data.offset`. The payload itself (a PE at offset 0) is peinfo's.
 */
export class PecarvePlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  scan(payload: Payload): WorkerResponse {
    const content = Buffer.from(payload.content.buffer, payload.content.byteOffset, payload.content.byteLength);
    const { carved, warnings } = carvePes(content, this.options);
    const extracted = carved.map((c) => new ExtractedPayload(new Uint8Array(c.data), new PayloadMeta({ extra_data: { offset: c.offset } })));
    const errors = warnings.map((w) => new StoqError(`pecarve: ${w}`, this.plugin_name, payload.payload_id));
    const results = carved.length > 0 ? { carved: carved.map((c) => ({ offset: c.offset, size: c.data.length })) } : {};
    return new WorkerResponse({ results, extracted, errors });
  }
}
