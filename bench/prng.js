import { createCipheriv, createHash } from 'node:crypto';

/** A small seeded PRNG (mulberry32) for sizes and choices: same seed, same corpus, any machine. */
export function rng(seed) {
  let a = typeof seed === 'number' ? seed >>> 0 : createHash('sha256').update(String(seed)).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max], inclusive. */
export const between = (next, min, max) => min + Math.floor(next() * (max - min + 1));

/**
 * A deterministic byte stream (AES-256-CTR keystream of a seed): incompressible like real
 * binaries, and fast enough to write gigabytes of corpus in seconds.
 */
export function byteStream(seed) {
  const key = createHash('sha256').update(`bench-bytes:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return (n) => cipher.update(Buffer.alloc(n));
}
