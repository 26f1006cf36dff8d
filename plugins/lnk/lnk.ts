import { StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { parseLnk } from './parse-lnk.js';

const OptionsSchema = z.object({
  /** Shell items of the LinkTargetIDList read at most. */
  max_id_items: z.number().int().positive().default(256),
  /** ExtraData blocks read at most. */
  max_blocks: z.number().int().positive().default(64),
});

/**
 * Windows shortcut files (MS-SHLLINK): header, target ID list, LinkInfo, string data and extra
 * data blocks (tracker with machine id and MAC address, environment, known and special folders).
 * Pure TypeScript over the payload's bytes.
 */
export class LnkPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  scan(payload: Payload): WorkerResponse {
    const { result, problems } = parseLnk(payload.content, this.options);
    const errors = problems.map((p) => new StoqError(`malformed LNK: ${p}`, this.plugin_name, payload.payload_id));
    return new WorkerResponse({ results: result, errors });
  }
}
