import { inlineOrPooled, poolOffloadOptions, WorkerPlugin, WorkerResponse, z, type CallContext, type Payload } from 'rxstoq';
import { ssdeepDigest } from './fuzzy-hash.js';

const OptionsSchema = z.object({ ...poolOffloadOptions });

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
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  scan(payload: Payload, _request: unknown, ctx: CallContext): WorkerResponse | Promise<WorkerResponse> {
    const digest = inlineOrPooled(payload.content, this.options, { module: DIGEST_MODULE, fn: 'ssdeepDigest', inline: ssdeepDigest }, () => ctx.signal);
    return typeof digest === 'string' ? respond(digest) : digest.then(respond);
  }
}

function respond(ssdeep: string): WorkerResponse {
  return new WorkerResponse({ results: { ssdeep } });
}
