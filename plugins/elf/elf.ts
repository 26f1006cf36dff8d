import { StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { parseElf } from './parse-elf.js';

const OptionsSchema = z.object({
  /** Section headers read at most (e_shnum is 16 bits, extended numbering allows 2^32). */
  max_sections: z.number().int().positive().default(65_535),
  /** Program headers read at most. */
  max_segments: z.number().int().positive().default(65_535),
  /** Dynamic section entries read at most. */
  max_dynamic_entries: z.number().int().positive().default(10_000),
  /** Dynamic symbols read at most. */
  max_symbols: z.number().int().positive().default(200_000),
});

/**
 * ELF32 and ELF64 executables, shared objects, object files and core dumps, in either byte order:
 * header, segments, sections, interpreter, dynamic entries and dynamic symbols, named and valued
 * as `readelf -hlSd --dyn-syms -W` shows them. Pure TypeScript over the payload's bytes.
 */
export class ElfPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  scan(payload: Payload): WorkerResponse {
    const { result, problems } = parseElf(payload.content, this.options);
    const errors = problems.map((p) => new StoqError(`malformed ELF: ${p}`, this.plugin_name, payload.payload_id));
    return new WorkerResponse({ results: result, errors });
  }
}
