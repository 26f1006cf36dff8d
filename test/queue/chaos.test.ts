import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { PayloadMeta } from 'rxstoq';
import { describe, expect, it } from 'vitest';
import { encodeEntry } from '../../plugins/redis/entry.js';
import { pendingCount, readResults, rootSha256, testKeys, waitFor } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';
import { logLines, startPrivateRedis, type PrivateRedis } from './chaos-support.js';
import { redisOpts, startConsumer, type Consumer } from './support.js';

/**
 * At-least-once under failure, against a private redis-server with AOF and appendfsync always:
 * the server killed and restarted, a consumer killed, the server paused. Every task must end
 * with a result (the right one), nothing pending, no dead letters; repeats are counted and
 * bounded by what the consumers can hold in flight when each failure strikes.
 */

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
type Keys = ReturnType<typeof testKeys>;

/** `count` inline tasks added in one pipeline; returns stream id → sha256 of the content. */
async function submit(redis: Redis, stream: string, count: number): Promise<Map<string, string>> {
  const pipeline = redis.pipeline();
  const contents: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const content = Buffer.from(`chaos task ${i} ${'y'.repeat(i % 50)}`);
    contents.push(content);
    pipeline.xadd(stream, '*', ...encodeEntry({ content }, new PayloadMeta({ extra_data: { filename: `t${i}` } })));
  }
  const replies = (await pipeline.exec()) ?? [];
  const ids = new Map<string, string>();
  replies.forEach(([err, id], i) => {
    if (err) throw err;
    ids.set(String(id), sha256(contents[i]!));
  });
  return ids;
}

/** Engine limits per consumer: items it may hold = max_queue + provider_consumers, plus a fetched batch. */
const MAX_QUEUE = 2;
const PROVIDER_CONSUMERS = 2;
const BATCH = 5;
const HELD_PER_CONSUMER = MAX_QUEUE + PROVIDER_CONSUMERS + BATCH;

function consumerArgs(server: PrivateRedis, keys: Keys, name: string, delayMs: number, extra: Record<string, number> = {}): string[] {
  const config = join(tempDir(), 'stoq.yaml');
  writeFileSync(config, `core:\n  max_queue: ${MAX_QUEUE}\n  provider_consumers: ${PROVIDER_CONSUMERS}\n`);
  return [
    '--config-file',
    config,
    '--plugin-dir',
    FIXTURES,
    '-C',
    'redis',
    '-a',
    'hash',
    'slow_js',
    '--grace',
    '2',
    ...redisOpts(keys, {
      redis_url: server.url,
      consumer: name,
      claim_idle_ms: 500,
      block_ms: 100,
      batch: BATCH,
      max_deliveries: 50,
      ...extra,
    }),
    '--plugin-opts',
    `slow_js:delay_ms=${delayMs}`,
  ];
}

/** Resolves with the exit code, or fails once `ms` passed (a bound on the wait, not a speed test). */
async function exitWithin(consumer: Consumer, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`consumer ${consumer.name} still running ${ms} ms after SIGTERM:\n${consumer.stderr().slice(-3000)}`)), ms);
  });
  try {
    return await Promise.race([consumer.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether the consumer has read from the group: its `stoq run` is past start-up, so its SIGTERM
 * handler is in place (a SIGTERM before that would just kill it).
 */
async function joined(redis: Redis, keys: Keys, name: string): Promise<boolean> {
  const rows = (await redis.xinfo('CONSUMERS', keys.stream, keys.group).catch(() => [])) as unknown[][];
  return rows.some((row) => row[row.indexOf('name') + 1] === name);
}

/** Every task has a result, none is pending, the task stream is empty (entries are deleted once acknowledged). */
async function allDone(redis: Redis, keys: Keys, ids: Map<string, string>): Promise<boolean> {
  const seen = new Set((await readResults(redis, keys.results_stream)).map((r) => r.stream_id));
  if (![...ids.keys()].every((id) => seen.has(id))) return false;
  return (await pendingCount(redis, keys.stream, keys.group)) === 0 && (await redis.xlen(keys.stream)) === 0;
}

/** The end state every test demands: exactly the right results, repeats bounded, nothing left over. */
async function expectExactlyTheResults(redis: Redis, keys: Keys, ids: Map<string, string>, maxDuplicates: number, label: string): Promise<void> {
  const results = await readResults(redis, keys.results_stream);
  const unique = new Set(results.map((r) => r.stream_id));
  expect(unique).toEqual(new Set(ids.keys()));
  for (const r of results) expect(rootSha256(r.response), `result of ${r.stream_id}`).toBe(ids.get(r.stream_id!));
  const duplicates = results.length - unique.size;
  console.info(`chaos (${label}): ${results.length} results for ${ids.size} tasks, ${duplicates} duplicates (bound ${maxDuplicates})`);
  expect(duplicates).toBeLessThanOrEqual(maxDuplicates);
  expect(await pendingCount(redis, keys.stream, keys.group)).toBe(0);
  expect(await redis.xlen(keys.stream)).toBe(0);
  expect(await redis.exists(keys.dead_letter_stream)).toBe(0);
}

describe('stop within the grace whatever Redis does', () => {
  it('with Redis killed, one SIGTERM ends `stoq run --grace 2` in time; its unacknowledged entries come back after a restart', async () => {
    const server = await startPrivateRedis();
    const redis = server.client();
    const keys = testKeys('grace');
    const ids = await submit(redis, keys.stream, 30);
    const first = startConsumer('first', consumerArgs(server, keys, 'first', 200), {});
    await waitFor(async () => (await redis.xlen(keys.results_stream)) >= 1, 20_000, 'a first result');

    await server.kill();
    // The consumer has noticed: its connections are being refused.
    await waitFor(() => first.stderr().includes('ECONNREFUSED'), 10_000, 'the consumer to see Redis gone');
    first.child.kill('SIGTERM');
    expect(await exitWithin(first, 2_000 + 8_000)).toBe(0);
    // Nothing it did after Redis died was acknowledged; it said so rather than hanging.
    expect(logLines(first.stderr()).some((l) => l.level >= 50 && /Connection is closed|timed out/.test(JSON.stringify(l)))).toBe(true);

    // Same port, same folder: the AOF brings back the stream, the group and what was pending.
    await server.restart();
    const left = (await redis.xpending(keys.stream, keys.group, '-', '+', 100, 'first')) as Array<[string]>;
    expect(left.length).toBeGreaterThan(0);
    const second = startConsumer('second', consumerArgs(server, keys, 'second', 5), {});
    await waitFor(() => allDone(redis, keys, ids), 20_000, 'every task saved and acknowledged after the restart');
    const saved = new Set((await readResults(redis, keys.results_stream)).map((r) => r.stream_id));
    for (const [id] of left) expect(saved.has(id), `entry ${id} pending at the restart`).toBe(true);
    await waitFor(() => joined(redis, keys, 'second'), 20_000, 'second to join the group');
    second.child.kill('SIGTERM');
    expect(await exitWithin(second, 10_000)).toBe(0);
    await expectExactlyTheResults(redis, keys, ids, HELD_PER_CONSUMER, 'grace');
  }, 40_000);
});

describe('chaos: a server killed and restarted, a consumer killed, a server paused', () => {
  it('ends with exactly one result per task (repeats counted and bounded), none pending', async () => {
    const server = await startPrivateRedis();
    const redis = server.client();
    const keys = testKeys('chaos');
    const TASKS = 300;
    const ids = await submit(redis, keys.stream, TASKS);
    const results = () => redis.xlen(keys.results_stream).catch(() => 0);
    const start = (name: string) => startConsumer(name, consumerArgs(server, keys, name, 15, { command_timeout_ms: 1000 }), {});
    const consumers = [start('c1'), start('c2')];
    let events = 0;

    // 1. Redis killed with SIGKILL mid-run, then restarted on the same port and folder.
    await waitFor(async () => (await results()) >= 30, 20_000, '30 results');
    await server.kill();
    events++;
    await waitFor(() => consumers.every((c) => c.stderr().includes('ECONNREFUSED')), 10_000, 'both consumers to see Redis gone');
    await server.restart();
    const afterRestart = await results();

    // 2. A consumer killed with SIGKILL while it holds entries; a new one takes its place.
    await waitFor(async () => (await results()) >= afterRestart + 30, 20_000, 'progress after the restart');
    const victim = consumers.shift()!;
    victim.child.kill('SIGKILL');
    expect(await victim.exited, victim.stderr().slice(-3000)).toBe('SIGKILL');
    events++;
    consumers.push(start('c3'));

    // 3. The server paused (SIGSTOP): connections stay open, nothing answers, until the consumers' commands time out.
    const beforePause = await results();
    await waitFor(async () => (await results()) >= beforePause + 30, 20_000, 'progress after the consumer was killed');
    server.pause();
    events++;
    await waitFor(() => consumers.some((c) => c.stderr().includes('timed out')), 10_000, 'a command to time out on the paused server');
    server.resume();

    await waitFor(() => allDone(redis, keys, ids), 30_000, 'every task saved and acknowledged');
    for (const c of consumers) await waitFor(() => joined(redis, keys, c.name), 20_000, `${c.name} to join the group`);
    for (const c of consumers) c.child.kill('SIGTERM');
    for (const c of consumers) expect(await exitWithin(c, 10_000), c.stderr().slice(-2000)).toBe(0);
    // Each failure may repeat at most what the two consumers held at that moment.
    await expectExactlyTheResults(redis, keys, ids, events * 2 * HELD_PER_CONSUMER, 'kill, restart, consumer kill, pause');
  }, 60_000);
});
