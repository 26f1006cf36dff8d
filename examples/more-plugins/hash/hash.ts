import { getMd5, getSha1, getSha512, WorkerPlugin, type Payload } from 'rxstoq';

/** Same keys as the bundled hash, plus sha512: shows a later plugin folder overriding a plugin. */
export class HashWithSha512 extends WorkerPlugin {
  scan(payload: Payload) {
    return { results: { sha256: payload.sha256, md5: getMd5(payload.content), sha1: getSha1(payload.content), sha512: getSha512(payload.content) } };
  }
}
