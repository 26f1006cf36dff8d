import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stoq } from '../helpers/cli.js';
import { pendingCount, readDeadLetters, readResults, rootSha256, useTestRedis, waitFor } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';
import { redisOpts, startConsumer } from './support.js';

const TASKS = 2000;

const t = useTestRedis();

describe('scale-out on Redis Streams: three `stoq run -P redis` processes, one killed mid-run', () => {
  it(`scans all ${TASKS} submitted files exactly or at least once, claims the dead consumer's entries, and dead-letters a poison entry`, async () => {
    const keys = t.keys('scale');
    const env = { REDIS_URL: t.server.url };

    // 2,000 small distinct files, submitted with the CLI (inline).
    const dir = tempDir();
    const sha = new Map<string, string>();
    for (let i = 0; i < TASKS; i++) {
      const name = `task-${String(i).padStart(4, '0')}.txt`;
      const body = `task ${i} ${'x'.repeat(i % 64)}`;
      writeFileSync(join(dir, name), body);
      sha.set(name, createHash('sha256').update(body).digest('hex'));
    }
    const submitted = stoq(['submit', dir, '--stream', keys.stream, '--log-level', 'warn'], { env: { ...process.env, ...env } });
    expect(submitted.stderr).toBe('');
    expect(submitted.status).toBe(0);
    const lines = submitted.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(TASKS);
    expect(lines.every((l) => l.by === 'inline')).toBe(true);
    // A poison entry: a task for a source archiver no consumer has, so it can never be scanned.
    const poisonId = await t.redis.xadd(keys.stream, '*', 'v', '1', 'task', JSON.stringify({ missing_archiver: { path: 'nowhere' } }));

    const args = ['-C', 'redis', '-a', 'hash', ...redisOpts(keys, { claim_idle_ms: 1000, max_deliveries: 2, block_ms: 100, batch: 20 })];
    const consumers = ['c1', 'c2', 'c3'].map((name) => startConsumer(name, [...args, '--plugin-opts', `redis:consumer=${name}`], env));
    const [victim, ...survivors] = consumers as [ReturnType<typeof startConsumer>, ...ReturnType<typeof startConsumer>[]];

    // Kill one consumer while it holds entries it has not acknowledged.
    let victimPending = 0;
    await waitFor(
      async () => {
        const results = await t.redis.xlen(keys.results_stream);
        if (results < 200) return false;
        victimPending = Number(((await t.redis.xpending(keys.stream, keys.group, '-', '+', 1000, 'c1')) as unknown[]).length);
        return victimPending > 0 || results >= TASKS;
      },
      30_000,
      'the first results',
    );
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    expect(victimPending).toBeGreaterThan(0);

    // Every task ends with a result; the poison entry ends in the dead-letter stream.
    const ids = new Set(lines.map((l) => l.stream_id as string));
    const allSeen = async () => {
      const seen = new Set((await readResults(t.redis, keys.results_stream)).map((r) => r.stream_id));
      return [...ids].every((id) => seen.has(id)) && (await t.redis.xlen(keys.dead_letter_stream)) === 1;
    };
    await waitFor(allSeen, 40_000, 'a result for every task and the poison entry dead-lettered');

    // Stopped with SIGTERM, the survivors exit cleanly.
    for (const c of survivors) c.child.kill('SIGTERM');
    for (const c of survivors) expect(await c.exited, c.stderr()).toBe(0);

    const results = await readResults(t.redis, keys.results_stream);
    const duplicates = results.length - new Set(results.map((r) => r.stream_id)).size;
    console.info(`scale-out: ${results.length} results for ${TASKS} tasks (${duplicates} duplicates), victim held ${victimPending} entries`);
    expect(new Set(results.map((r) => r.stream_id))).toEqual(ids);
    for (const r of results) {
      const file = r.response.results[0]?.payload_meta.extra_data['filename'] as string;
      expect(rootSha256(r.response)).toBe(sha.get(file));
      expect(r.response.request_meta.extra_data).toEqual({ stream: keys.stream, stream_id: r.stream_id });
      expect(lines.find((l) => l.stream_id === r.stream_id)!.path).toBe(join(dir, file));
    }
    expect(await pendingCount(t.redis, keys.stream, keys.group)).toBe(0);
    const [group] = (await t.redis.xinfo('GROUPS', keys.stream)) as Array<unknown[]>;
    expect(group![group!.indexOf('lag') + 1]).toBe(0);
    expect(await t.redis.xlen(keys.stream)).toBe(0);

    const [poison] = await readDeadLetters(t.redis, keys.dead_letter_stream);
    expect(poison!.info.id).toBe(poisonId);
    expect(poison!.info.deliveries).toBe(3);
    expect(poison!.info.error).toMatch(/max_deliveries 2.*no such source archiver is loaded/);
  }, 60_000);
});
