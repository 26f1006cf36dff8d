import { createHash } from 'node:crypto';
import { WorkerPlugin, WorkerResponse, type Payload } from 'rxstoq';

/**
 * md5, sha1 and sha256 of the payload, keyed and ordered as upstream's hash plugin
 * (`sha256`, `md5`, `sha1`). The sha256 is the one the core already computed for dedup.
 */
export class HashPlugin extends WorkerPlugin {
  scan(payload: Payload): WorkerResponse {
    return new WorkerResponse({
      results: {
        sha256: payload.sha256,
        md5: createHash('md5').update(payload.content).digest('hex'),
        sha1: createHash('sha1').update(payload.content).digest('hex'),
      },
    });
  }
}
