import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Payload, Stoq } from 'rxstoq';

const hex = (algo: string, data: Uint8Array) => createHash(algo).update(data).digest('hex');
const expected = (data: Uint8Array) => ({ sha256: hex('sha256', data), md5: hex('md5', data), sha1: hex('sha1', data) });

describe('hash', () => {
  it('inline and in the worker-thread pool give the same digests, keyed sha256, md5, sha1', async () => {
    const data = randomBytes(100_000);
    for (const opts of [{ use_pool: false }, { pool_min_size: 0 }, { pool_min_size: '1024', use_pool: 'yes' }]) {
      const s = new Stoq({ alwaysDispatch: ['hash'], logLevel: 'silent', pluginOpts: { hash: opts } });
      const r = await s.scan(data);
      expect(r.errors).toEqual([]);
      expect(r.results[0]!.workers['hash']).toEqual(expected(data));
      expect(Object.keys(r.results[0]!.workers['hash'] as object)).toEqual(['sha256', 'md5', 'sha1']);
    }
  });

  it('hands a pool-computed sha256 back to the payload, and reuses one already known', async () => {
    const s = new Stoq({ logLevel: 'silent', pluginOpts: { hash: { pool_min_size: 0 } } });
    const worker = (await s.loadPlugin('hash', 'worker')) as unknown as { scan: (p: Payload, r: unknown, c: unknown) => Promise<{ results: unknown }> };
    const data = randomBytes(4096);
    const fresh = new Payload(data);
    expect(fresh.cachedSha256).toBeUndefined();
    const r1 = await worker.scan(fresh, null, { signal: new AbortController().signal });
    expect(fresh.cachedSha256).toBe(hex('sha256', data));
    expect(r1.results).toEqual(expected(data));

    const known = new Payload(data);
    known.setSha256('0'.repeat(64)); // a marker: the plugin must not hash sha256 again
    const r2 = await worker.scan(known, null, { signal: new AbortController().signal });
    expect(r2.results).toEqual({ ...expected(data), sha256: '0'.repeat(64) });
  });

  it('rejects a bad option with a message naming it', async () => {
    const s = new Stoq({ alwaysDispatch: ['hash'], logLevel: 'silent', pluginOpts: { hash: { pool_min_size: -1 } } });
    await expect(s.ready()).rejects.toThrow(/pool_min_size/);
  });
});
