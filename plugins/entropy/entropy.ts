import { WorkerPlugin, WorkerResponse, type Payload } from 'rxstoq';

/**
 * Shannon entropy in bits per byte. Terms are subtracted in the order each byte value first
 * appears and each is `p * (ln p / ln 2)`: the same float operations, in the same order, as
 * upstream's Python (`Counter` + `math.log(p, 2)`), so results are bit-for-bit identical.
 */
export function shannonEntropy(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n === 0) return 0;
  const counts = new Uint32Array(256);
  const order: number[] = [];
  for (const b of bytes) {
    // A byte always indexes inside the 256 counters.
    if (counts[b]!++ === 0) order.push(b);
  }
  let entropy = 0;
  for (const b of order) {
    const p = counts[b]! / n;
    entropy -= p * (Math.log(p) / Math.log(2));
  }
  return entropy;
}

export class EntropyPlugin extends WorkerPlugin {
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];
  scan(payload: Payload): WorkerResponse {
    return new WorkerResponse({ results: { entropy: shannonEntropy(payload.content) } });
  }
}
