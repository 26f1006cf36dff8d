import { isShared, sharedPool, sharedPoolEnabled, WorkerPlugin, WorkerResponse, z, type CallContext, type Payload } from 'rxstoq';
import { ssdeepDigest } from './fuzzy-hash.js';

const OptionsSchema = z.object({
  /** Payloads of at least this many bytes are hashed in the worker-thread pool; smaller ones inline. */
  pool_min_size: z
    .number()
    .int()
    .nonnegative()
    .default(1024 * 1024),
  /** Hash in the worker-thread pool at all. */
  use_pool: z.boolean().default(true),
});

/** The pool thread imports this module (its build, when running from the sources) and calls `ssdeepDigest`. */
const DIGEST_MODULE = new URL('./fuzzy-hash.js', import.meta.url);

/**
 * The payload's ssdeep digest, `{"ssdeep": "3:hMCE7pr3Kn:huJ6"}`, keyed as upstream's hash_ssdeep
 * and equal to what Debian's `ssdeep` 2.14.1 prints for a file with the same bytes.
 *
 * ssdeep runs at tens of MB/s on one core (bench/fuzzy-hashes.js), so payloads from
 * `pool_min_size` bytes up (default 1 MiB) are hashed in the shared worker-thread pool and the
 * main thread goes on with other payloads meanwhile.
 */
export class HashSsdeepPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  scan(payload: Payload, _request: unknown, ctx: CallContext): WorkerResponse | Promise<WorkerResponse> {
    const content = payload.content;
    if (!this.options.use_pool || content.byteLength < this.options.pool_min_size || !sharedPoolEnabled()) {
      return respond(ssdeepDigest(content));
    }
    return this.#inPool(content, ctx.signal);
  }

  async #inPool(content: Uint8Array, signal: AbortSignal): Promise<WorkerResponse> {
    // Shared memory is read in place; other bytes are copied once (exactly the payload's bytes, not
    // the whole buffer a view may sit in) and that copy is moved to the thread.
    const bytes = isShared(content) ? content : new Uint8Array(content);
    const transfer = isShared(bytes) ? [] : [bytes.buffer as ArrayBuffer];
    const digest = await sharedPool().call<string>(DIGEST_MODULE, 'ssdeepDigest', [bytes], transfer, { signal });
    return respond(digest);
  }
}

function respond(ssdeep: string): WorkerResponse {
  return new WorkerResponse({ results: { ssdeep } });
}
