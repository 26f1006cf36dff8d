import { isShared, sharedPool, sharedPoolEnabled, WorkerPlugin, WorkerResponse, z, type CallContext, type Payload } from 'rxstoq';
import { type TlshOutcome, tlshDigest } from './tlsh-hash.js';

const OptionsSchema = z.object({
  /** TLSH's conservative mode: no digest below 256 bytes (the minimum of TLSH 3.x, Debian's python3-tlsh). */
  conservative: z.boolean().default(false),
  /** Payloads of at least this many bytes are hashed in the worker-thread pool; smaller ones inline. */
  pool_min_size: z
    .number()
    .int()
    .nonnegative()
    .default(1024 * 1024),
  /** Hash in the worker-thread pool at all. */
  use_pool: z.boolean().default(true),
});

/** The pool thread imports this module (its build, when running from the sources) and calls `tlshDigest`. */
const DIGEST_MODULE = new URL('./tlsh-hash.js', import.meta.url);

/**
 * The payload's TLSH digest in the `T1` form current TLSH tools print (`{"tlsh": "T1…"}`).
 * A payload TLSH cannot digest (too short, or too uniform) is not an error: the result is
 * `{"tlsh": null, "note": why}`, as the reference prints an empty digest (`TNULL`) for it.
 *
 * Payloads from `pool_min_size` bytes up (default 1 MiB) are hashed in the shared worker-thread
 * pool, so the main thread goes on with other payloads meanwhile.
 */
export class TlshPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  scan(payload: Payload, _request: unknown, ctx: CallContext): WorkerResponse | Promise<WorkerResponse> {
    const content = payload.content;
    const { conservative } = this.options;
    if (!this.options.use_pool || content.byteLength < this.options.pool_min_size || !sharedPoolEnabled()) {
      return respond(tlshDigest(content, conservative));
    }
    return this.#inPool(content, conservative, ctx.signal);
  }

  async #inPool(content: Uint8Array, conservative: boolean, signal: AbortSignal): Promise<WorkerResponse> {
    // Shared memory is read in place; other bytes are copied once (exactly the payload's bytes, not
    // the whole buffer a view may sit in) and that copy is moved to the thread.
    const bytes = isShared(content) ? content : new Uint8Array(content);
    const transfer = isShared(bytes) ? [] : [bytes.buffer as ArrayBuffer];
    return respond(await sharedPool().call<TlshOutcome>(DIGEST_MODULE, 'tlshDigest', [bytes, conservative], transfer, { signal }));
  }
}

function respond(outcome: TlshOutcome): WorkerResponse {
  return new WorkerResponse({ results: outcome.digest === null ? { tlsh: null, note: outcome.reason } : { tlsh: outcome.digest } });
}
