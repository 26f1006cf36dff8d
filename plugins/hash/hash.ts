import { hash } from 'node:crypto';
import { z } from 'zod';
import { sharedPool, sharedPoolEnabled, WorkerPlugin, WorkerResponse, type CallContext, type Payload } from 'rxstoq';

const OptionsSchema = z.object({
  /** Payloads of at least this many bytes are hashed in the worker-thread pool; smaller ones inline. */
  pool_min_size: z
    .number()
    .int()
    .nonnegative()
    .default(256 * 1024),
  /** Hash in the worker-thread pool at all. */
  use_pool: z.boolean().default(true),
});

/** Below this, reading `ctx.signal` (which makes an AbortController) costs more than hashing could ever overrun. */
const ABORTABLE_FROM = 1024 * 1024;

const hex = (algorithm: string, bytes: Uint8Array) => hash(algorithm, bytes, 'hex');

/**
 * md5, sha1 and sha256 of the payload, keyed and ordered as upstream's hash plugin
 * (`sha256`, `md5`, `sha1`). The sha256 is shared with the core: if dedup already computed it,
 * it is reused; if not, the one computed here is handed back with `payload.setSha256`.
 *
 * Payloads from `pool_min_size` bytes up (default 256 KiB) are hashed in the shared worker-thread
 * pool, so the main thread goes on with other payloads meanwhile. Smaller ones are hashed inline:
 * measured on small files, handing them over cost the main thread more than hashing them.
 */
export class HashPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  scan(payload: Payload, _request: unknown, ctx: CallContext): WorkerResponse | Promise<WorkerResponse> {
    const content = payload.content;
    if (!this.options.use_pool || content.byteLength < this.options.pool_min_size || !sharedPoolEnabled()) {
      return respond(payload.sha256, hex('md5', content), hex('sha1', content));
    }
    return this.#inPool(payload, content.byteLength >= ABORTABLE_FROM ? ctx.signal : undefined);
  }

  async #inPool(payload: Payload, signal: AbortSignal | undefined): Promise<WorkerResponse> {
    const known = payload.cachedSha256;
    const algorithms = known ? ['md5', 'sha1'] : ['sha256', 'md5', 'sha1'];
    const digests = await sharedPool().digest(payload.content, algorithms, { signal });
    if (known) return respond(known, digests[0]!, digests[1]!);
    payload.setSha256(digests[0]!);
    return respond(digests[0]!, digests[1]!, digests[2]!);
  }
}

function respond(sha256: string, md5: string, sha1: string): WorkerResponse {
  return new WorkerResponse({ results: { sha256, md5, sha1 } });
}
