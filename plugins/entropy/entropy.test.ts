import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';

describe('entropy plugin', () => {
  let stoq: Stoq;
  beforeAll(async () => {
    stoq = new Stoq({ alwaysDispatch: ['entropy'], logLevel: 'silent' });
    await stoq.ready();
  });
  afterAll(() => stoq.close());

  const entropyOf = async (content: Uint8Array | string) => {
    const response = await stoq.scan(content);
    expect(response.errors).toEqual([]);
    return (response.results[0]!.workers['entropy'] as { entropy: number }).entropy;
  };

  it('gives upstream’s exact floats', async () => {
    expect(Object.is(await entropyOf('a'.repeat(256)), 0)).toBe(true);
    expect(await entropyOf('abc'.repeat(256))).toBe(1.584962500721156);
  });

  it('is 8 bits per byte for every byte value equally often, 1 for two halves', async () => {
    const all = Uint8Array.from({ length: 256 * 4 }, (_, i) => i % 256);
    expect(await entropyOf(all)).toBe(8);
    expect(await entropyOf(Buffer.concat([Buffer.alloc(100, 0), Buffer.alloc(100, 0xff)]))).toBe(1);
  });

  it('sums in first-seen byte order, as upstream (float subtraction is order-sensitive)', async () => {
    // Counts 1, 4 and 5 of 10 bytes. Expected values computed with upstream's Python code
    // (Counter + math.log(b, 2)); the two orders differ in the last bit.
    expect(await entropyOf(Buffer.from([1, 2, 2, 2, 2, 3, 3, 3, 3, 3]))).toBe(1.360964047443681);
    expect(await entropyOf(Buffer.from([3, 3, 3, 3, 3, 2, 2, 2, 2, 1]))).toBe(1.3609640474436813);
  });

  it('is 0 for an empty payload', async () => {
    expect(await entropyOf(new Uint8Array(0))).toBe(0);
  });

  it('is listed as a worker', async () => {
    const plugins = await stoq.listPlugins();
    expect(plugins['entropy']?.classes).toEqual(['Worker']);
  });
});
