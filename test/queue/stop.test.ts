import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stoq } from '../helpers/cli.js';
import { readResults, useTestRedis, waitFor } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';
import { redisOpts, startConsumer } from './support.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

const t = useTestRedis();

describe('SIGTERM on `stoq run -P redis`', () => {
  it('stops reading, finishes and acknowledges scans in flight, leaves the rest in the stream, and exits 0', async () => {
    const keys = t.keys('stop');
    const dir = tempDir();
    for (let i = 0; i < 30; i++) writeFileSync(join(dir, `f${i}`), `file ${i}`);
    const submitted = stoq(['submit', dir, '--redis-url', t.server.url, '--stream', keys.stream, '--log-level', 'warn']);
    expect(submitted.status, submitted.stderr).toBe(0);
    const all = submitted.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).stream_id as string);
    expect(all).toHaveLength(30);

    // A short engine queue: items already handed to the engine are finished on stop, the rest stay in Redis.
    const config = join(tempDir(), 'stoq.yaml');
    writeFileSync(config, 'core:\n  max_queue: 2\n  provider_consumers: 2\n');
    const consumer = startConsumer(
      'solo',
      [
        '--config-file',
        config,
        '--plugin-dir',
        FIXTURES,
        '-C',
        'redis',
        '-a',
        'slow_js',
        ...redisOpts(keys, { block_ms: 100, batch: 2, redis_url: t.server.url }),
      ],
      {},
    );
    await waitFor(async () => (await t.redis.xlen(keys.results_stream)) >= 1, 20_000, 'a first result');
    consumer.child.kill('SIGTERM');
    expect(await consumer.exited, consumer.stderr()).toBe(0);

    const saved = (await readResults(t.redis, keys.results_stream)).map((r) => r.stream_id!);
    const left = (await t.redis.xrange(keys.stream, '-', '+')).map(([id]) => id);
    const pending = ((await t.redis.xpending(keys.stream, keys.group, '-', '+', 100)) as Array<[string]>).map((p) => p[0]);
    // Work stopped early; everything is either saved (and acknowledged, so deleted) or still in the stream.
    expect(left.length).toBeGreaterThan(0);
    expect(new Set(saved).size).toBe(saved.length);
    expect([...saved, ...left].sort()).toEqual([...all].sort());
    expect(pending.every((id) => left.includes(id))).toBe(true);
    expect(saved.some((id) => pending.includes(id))).toBe(false);
  });
});
