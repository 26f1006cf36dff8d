import { WorkerPlugin, WorkerResponse, type CallContext, type Payload, type Request } from 'rxstoq';
import { WASMagic } from 'wasmagic';
import { z } from 'zod';

/** `file --mime-type`'s default read size (file 5.44's bytes_max), so results match the CLI. */
const FILE_BYTES_MAX = 7 * 1024 * 1024;

const OptionsSchema = z.object({
  /** Bytes from the start of the payload that libmagic looks at. */
  bytes_max: z.number().int().positive().default(FILE_BYTES_MAX),
});

/**
 * The payload's MIME type according to libmagic, compiled to WebAssembly (wasmagic). One
 * instance, created in setup(), serves every payload: loading the magic database is the
 * expensive part, detection itself is synchronous.
 */
export class MimetypePlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  #magic: WASMagic | undefined;

  override async setup(): Promise<void> {
    this.#magic = await WASMagic.create();
  }

  override async close(): Promise<void> {
    this.#magic = undefined;
  }

  scan(payload: Payload, _request: Request, ctx: CallContext): WorkerResponse {
    const magic = this.#magic;
    if (!magic) throw new Error('libmagic is not loaded (the plugin was closed or never set up)');
    ctx.signal.throwIfAborted();
    const window = payload.content.subarray(0, this.options.bytes_max);
    return new WorkerResponse({ results: { mimetype: magic.detect(window) } });
  }
}
