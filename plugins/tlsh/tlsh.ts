import { inlineOrPooled, poolOffloadOptions, WorkerPlugin, WorkerResponse, z, type CallContext, type Payload } from 'rxstoq';
import { type TlshOutcome, tlshDigest } from './tlsh-hash.js';

const OptionsSchema = z.object({
  /** TLSH's conservative mode: no digest below 256 bytes (the minimum of TLSH 3.x, Debian's python3-tlsh). */
  conservative: z.boolean().default(false),
  ...poolOffloadOptions,
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
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  scan(payload: Payload, _request: unknown, ctx: CallContext): WorkerResponse | Promise<WorkerResponse> {
    const { conservative } = this.options;
    const outcome = inlineOrPooled(
      payload.content,
      this.options,
      { module: DIGEST_MODULE, fn: 'tlshDigest', args: [conservative], inline: (bytes) => tlshDigest(bytes, conservative) },
      () => ctx.signal,
    );
    return outcome instanceof Promise ? outcome.then(respond) : respond(outcome);
  }
}

function respond(outcome: TlshOutcome): WorkerResponse {
  return new WorkerResponse({ results: outcome.digest === null ? { tlsh: null, note: outcome.reason } : { tlsh: outcome.digest } });
}
