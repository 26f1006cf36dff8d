import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PayloadMeta, Stoq, StoqMetrics, type StoqOptions, type StoqResponse } from 'rxstoq';
import { stoqOptionsFrom } from '../../src/cli/common-options.js';
import { zip } from '../support/formats.js';
import type { Tally } from '../fixtures/cache-plugins/tally/tally.js';
import type { Clock } from '../fixtures/cache-plugins/clock/clock.js';

const pluginDir = fileURLToPath(new URL('../fixtures/cache-plugins/', import.meta.url));
const open: Stoq[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

function make(options: StoqOptions = {}): Stoq {
  const s = new Stoq({ pluginDirList: [pluginDir], logLevel: 'silent', resultCache: { maxBytes: 1 << 20 }, ...options });
  open.push(s);
  return s;
}

/** The response as JSON with everything that differs between two scans of the same thing (ids, time, the cache marker) taken out. */
function comparable(response: StoqResponse): unknown {
  const json = JSON.parse(JSON.stringify(response)) as { results: Array<Record<string, unknown>>; time: unknown; scan_id: unknown };
  const ids = new Map(json.results.map((r, i) => [r['payload_id'] as string, `#${i}`]));
  const rename = (v: unknown): unknown => (typeof v === 'string' && ids.has(v) ? ids.get(v) : v);
  return {
    ...json,
    time: null,
    scan_id: null,
    results: json.results.map(({ cached_workers: _c, ...r }) => ({
      ...r,
      payload_id: rename(r['payload_id']),
      extracted_from: (r['extracted_from'] as string[]).map(rename),
    })),
  };
}

describe('result cache', () => {
  it('reuses a worker’s answer and its extracted payloads for the same content: the response is the same apart from the marker', async () => {
    const s = make({ alwaysDispatch: ['tally'] });
    const tally = (await s.manager.loadPlugin('tally')) as unknown as Tally;
    const first = await s.scan('some content');
    const callsAfterFirst = tally.calls;
    expect(callsAfterFirst).toBe(3);
    const second = await s.scan('some content');
    expect(tally.calls).toBe(callsAfterFirst);
    expect(comparable(second)).toEqual(comparable(first));
    expect(second.results).toHaveLength(3);
    // The children still go through the pipeline (hash runs on them: asked for by the cached dispatch_to).
    expect(second.results.map((r) => JSON.parse(JSON.stringify(r)).cached_workers)).toEqual([
      ['hash', 'tally'],
      ['hash', 'tally'],
      ['hash', 'tally'],
    ]);
    expect(JSON.parse(JSON.stringify(first)).results[0].cached_workers).toBeUndefined();
  });

  it('scans the members of a cached archive again, recursively (decompress answers from the cache)', async () => {
    const s = make({ alwaysDispatch: ['decompress', 'hash'] });
    const archive = zip([
      { name: 'inner.zip', data: zip([{ name: 'deep.txt', data: 'deep down' }]) },
      { name: 'top.txt', data: 'on top' },
    ]);
    const first = await s.scan(archive);
    const second = await s.scan(archive);
    expect(first.errors).toEqual([]);
    expect(first.results).toHaveLength(4);
    expect(comparable(second)).toEqual(comparable(first));
    expect(second.results.every((r) => r.cached_workers.includes('decompress') && r.cached_workers.includes('hash'))).toBe(true);
  });

  it('keys on the options, the payload metadata and the content; never caches a plugin that opts out or an answer with errors', async () => {
    const a = make({ alwaysDispatch: ['tally', 'clock'] });
    const tally = (await a.manager.loadPlugin('tally')) as unknown as Tally;
    const clock = (await a.manager.loadPlugin('clock')) as unknown as Clock;
    await a.scan('x');
    await a.scan('x');
    expect(clock.calls).toBe(6);
    await a.scan('x', { payloadMeta: new PayloadMeta({ extra_data: { filename: 'other.bin' } }) });
    await a.scan('y');
    // Other metadata: the root again (its children are the same content and meta: cached); new content: all three.
    expect(tally.calls).toBe(3 + 1 + 3);
    await a.scan('fail');
    await a.scan('fail');
    expect(tally.calls).toBe(7 + 2);

    const relabelled = make({ alwaysDispatch: ['tally'], pluginOpts: { tally: { label: 'b' } } });
    const r = await relabelled.scan('x');
    expect(r.results[0]!.workers['tally']).toMatchObject({ label: 'b' });

    const optedOut = make({ alwaysDispatch: ['tally'], pluginOpts: { tally: { cache: false } } });
    const t2 = (await optedOut.manager.loadPlugin('tally')) as unknown as Tally;
    await optedOut.scan('x');
    await optedOut.scan('x');
    expect(t2.calls).toBe(6);
  });

  it('ignores the metadata a plugin says it does not read: the same content under another name is a hit for hash', async () => {
    const s = make({ alwaysDispatch: ['hash', 'tally'], pluginOpts: { tally: { children: 0 } } });
    await s.scan('same bytes', { payloadMeta: new PayloadMeta({ extra_data: { filename: 'a.bin' } }) });
    const renamed = await s.scan('same bytes', { payloadMeta: new PayloadMeta({ extra_data: { filename: 'b.bin' } }) });
    expect(renamed.results[0]!.cached_workers).toEqual(['hash']);
  });

  it('an isolated plugin (yara runs in threads) declares through its stand-in, and its rule set is part of the key', async () => {
    const s = make({ alwaysDispatch: ['yara'] });
    const first = await s.scan('rules hash me', { payloadMeta: new PayloadMeta({ extra_data: { filename: 'a' } }) });
    const yara = (await s.manager.loadPlugin('yara')) as unknown as { cacheVariant(): string };
    const rulesHash = (first.results[0]!.workers['yara'] as { rules_sha256: string }).rules_sha256;
    expect(yara.cacheVariant()).toBe(rulesHash);
    const second = await s.scan('rules hash me', { payloadMeta: new PayloadMeta({ extra_data: { filename: 'b' } }) });
    expect(second.results[0]!.cached_workers).toEqual(['yara']);
    expect(second.results[0]!.workers['yara']).toEqual(first.results[0]!.workers['yara']);
  });

  it('counts hits, misses and evictions, and stays under its byte cap', async () => {
    const metrics = new StoqMetrics({ processMetrics: false });
    const s = make({ alwaysDispatch: ['tally'], pluginOpts: { tally: { children: 0 } }, metrics, resultCache: { maxBytes: 2_000 } });
    for (let i = 0; i < 40; i++) await s.scan(`payload ${i}`);
    await s.scan('payload 39');
    expect(s.engine.resultCache!.stats.bytes).toBeLessThanOrEqual(2_000);
    const text = await metrics.registry.metrics();
    expect(text).toContain('stoq_result_cache_events_total{plugin="tally",event="miss"} 40');
    expect(text).toContain('stoq_result_cache_events_total{plugin="tally",event="hit"} 1');
    expect(text).toMatch(/stoq_result_cache_events_total\{plugin="tally",event="eviction"\} [1-9]\d*/);
  });

  it('shares answers through Redis between instances (a fleet), and scans on when that Redis is down', async () => {
    const prefix = `stoq:test-cache:${randomUUID()}:`;
    const redisUrl = 'redis://127.0.0.1:6379/0';
    const one = make({ alwaysDispatch: ['tally'], resultCache: { redisUrl, prefix } });
    const two = make({ alwaysDispatch: ['tally'], resultCache: { redisUrl, prefix } });
    const t1 = (await one.manager.loadPlugin('tally')) as unknown as Tally;
    const t2 = (await two.manager.loadPlugin('tally')) as unknown as Tally;
    await one.scan('shared content');
    expect(t1.calls).toBe(3);
    await waitForKeys(prefix, 3);
    const fromFleet = await two.scan('shared content');
    expect(t2.calls).toBe(0);
    expect(JSON.parse(JSON.stringify(fromFleet)).results[0].cached_workers).toEqual(['hash', 'tally']);

    const down = make({ alwaysDispatch: ['tally'], resultCache: { redisUrl: 'redis://127.0.0.1:1/0', prefix } });
    const r = await down.scan('shared content');
    expect(r.errors).toEqual([]);
    expect(r.results[0]!.workers['tally']).toBeDefined();
    await dropKeys(prefix);
  });

  it('is configured from stoq.yaml keys and the CLI’s --cache / --cache-redis / --no-cache', () => {
    expect(stoqOptionsFrom({ cache: false }).resultCache).toBe(false);
    expect(stoqOptionsFrom({ cache: '1000' }).resultCache).toEqual({ maxBytes: 1000, redisUrl: undefined });
    expect(stoqOptionsFrom({ cacheRedis: 'redis://h:1/2' }).resultCache).toEqual({ maxBytes: undefined, redisUrl: 'redis://h:1/2' });
    expect(stoqOptionsFrom({}).resultCache).toBeUndefined();
    expect(() => stoqOptionsFrom({ cache: 'lots' })).toThrow('--cache');
    expect(new Stoq({ logLevel: 'silent' }).engine.resultCache).toBeUndefined();
  });
});

/** Entries land in Redis in the background; wait (on the condition) until `n` are there. */
async function waitForKeys(prefix: string, n: number): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379/0');
  try {
    while ((await redis.keys(`${prefix}*`)).length < n) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    redis.disconnect();
  }
}

async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379/0');
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
