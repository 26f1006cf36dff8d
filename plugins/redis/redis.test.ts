import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { PayloadMeta, RequestMeta, Stoq, StoqResponse, type RunSummary, type StoqOptions } from 'rxstoq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteKeys,
  freePort,
  pendingCount,
  readDeadLetters,
  readResults,
  rootSha256,
  startTestRedis,
  testKeys,
  waitFor,
  type TestRedis,
} from '../../test/helpers/redis.js';
import { tempDir } from '../../test/helpers/tmp.js';
import { resolveOptions, RedisOptionsSchema } from './options.js';
import type { RedisPlugin } from './redis.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let server: TestRedis;
let redis: Redis;
const prefixes: string[] = [];
const open: Stoq[] = [];

beforeAll(async () => {
  server = await startTestRedis();
  redis = new Redis(server.url);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const p of prefixes.splice(0)) await deleteKeys(redis, p);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

function keys(label: string) {
  const k = testKeys(label);
  prefixes.push(k.prefix);
  return k;
}

type Keys = ReturnType<typeof testKeys>;

async function makeStoq(k: Keys, redisOpts: Record<string, unknown> = {}, options: StoqOptions = {}): Promise<Stoq> {
  const { prefix: _prefix, ...names } = k;
  const stoq = new Stoq({
    baseDir: tempDir(),
    env: {},
    logLevel: 'silent',
    pluginDirList: [FIXTURES],
    providers: ['redis'],
    connectors: ['redis'],
    alwaysDispatch: ['hash'],
    ...options,
    pluginOpts: { redis: { redis_url: server.url, block_ms: 50, claim_idle_ms: 1000, ...names, ...redisOpts }, ...options.pluginOpts },
  });
  open.push(stoq);
  await stoq.ready();
  return stoq;
}

const plugin = async (stoq: Stoq) => (await stoq.loadPlugin('redis')) as RedisPlugin;

/** Run until `done()` holds, then stop the run and return its summary. */
async function runUntil(stoq: Stoq, done: () => Promise<boolean>, what: string, ms = 10_000): Promise<RunSummary> {
  const stop = new AbortController();
  const run = stoq.run({ signal: stop.signal, graceSeconds: 5 });
  try {
    await waitFor(done, ms, what);
  } finally {
    stop.abort();
  }
  return run;
}

describe('redis provider + connector against a real Redis', () => {
  it('round-trips all 256 byte values inline, acks only after saving, and tags the response with the entry id', async () => {
    const k = keys('bytes');
    const stoq = await makeStoq(k);
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const id = await (await plugin(stoq)).enqueuePayload(
      bytes,
      new PayloadMeta({ extra_data: { filename: 'all-bytes.bin' } }),
      new RequestMeta({ source: 'test', extra_data: { case: 7 } }),
    );

    const [entry] = (await redis.xrangeBuffer(k.stream, '-', '+')) as Array<[Buffer, Buffer[]]>;
    const raw = entry?.[1] ?? [];
    expect(raw[raw.findIndex((f) => f.toString() === 'content') + 1]?.equals(Buffer.from(bytes))).toBe(true);

    const summary = await runUntil(stoq, async () => (await redis.xlen(k.results_stream)) === 1, 'one result');
    expect(summary.failures).toEqual([]);
    const [result] = await readResults(redis, k.results_stream);
    expect(result!.stream_id).toBe(id);
    const r = result!.response;
    expect(r.results[0]?.size).toBe(256);
    expect(r.results[0]?.workers['hash']).toEqual({
      sha256: sha256(bytes),
      md5: createHash('md5').update(bytes).digest('hex'),
      sha1: createHash('sha1').update(bytes).digest('hex'),
    });
    expect(r.results[0]?.payload_meta.extra_data).toEqual({ filename: 'all-bytes.bin' });
    expect(r.request_meta).toEqual({ archive_payloads: true, source: 'test', extra_data: { case: 7, stream: k.stream, stream_id: id } });
    // Acknowledged and, with delete_acked, gone from the task stream.
    expect(await pendingCount(redis, k.stream, k.group)).toBe(0);
    expect(await redis.xlen(k.stream)).toBe(0);
  });

  it('fetches a task entry through its source archiver with the entry’s payload and request metadata', async () => {
    const k = keys('task');
    const stoq = await makeStoq(k, {}, { sourceArchivers: ['echo_archiver'] });
    const id = await (await plugin(stoq)).enqueueTask(
      { echo_archiver: { text: 'by reference' } },
      new PayloadMeta({ extra_data: { filename: 'ref.txt' } }),
      new RequestMeta({ source: 'submitter' }),
    );
    await runUntil(stoq, async () => (await redis.xlen(k.results_stream)) === 1, 'one result');
    const r = (await readResults(redis, k.results_stream))[0]!.response;
    expect(rootSha256(r)).toBe(sha256(Buffer.from('by reference')));
    expect(r.results[0]?.payload_meta.extra_data).toEqual({ fetched_by: 'echo_archiver', filename: 'ref.txt' });
    expect(r.request_meta).toEqual({ archive_payloads: true, source: 'submitter', extra_data: { stream: k.stream, stream_id: id } });
    expect(await pendingCount(redis, k.stream, k.group)).toBe(0);
  });

  it('dead-letters malformed entries at once with a clear error, acknowledged', async () => {
    const k = keys('malformed');
    await redis.xadd(k.stream, '*', 'payload_meta', '{}');
    await redis.xadd(k.stream, '*', 'content', 'x', 'payload_meta', '{not json');
    await redis.xadd(k.stream, '*', 'content', 'x', 'colour', 'red');
    await redis.xadd(k.stream, '*', 'v', '2', 'content', 'x');
    await redis.xadd(k.stream, '*', 'task', '{"a":{},"b":{}}');
    await redis.xadd(k.stream, '*', 'content', 'x', 'payload_meta', '{"dispatch_to":"hash"}');
    await redis.xadd(k.stream, '*', 'content', 'fine');
    const stoq = await makeStoq(k);
    await runUntil(stoq, async () => (await redis.xlen(k.dead_letter_stream)) === 6 && (await redis.xlen(k.results_stream)) === 1, 'six dead letters');
    const dead = await readDeadLetters(redis, k.dead_letter_stream);
    const errors = dead.map((d) => d.info.error);
    expect(errors[0]).toMatch(/^malformed entry: an entry needs exactly one of the fields "content" or "task"/);
    expect(errors[1]).toMatch(/field "payload_meta" is not valid JSON/);
    expect(errors[2]).toMatch(/unknown field\(s\) "colour"/);
    expect(errors[3]).toMatch(/unsupported entry format v="2"/);
    expect(errors[4]).toMatch(/exactly one source archiver/);
    expect(errors[5]).toMatch(/field "payload_meta" is invalid: dispatch_to/);
    expect(dead[2]!.fields).toEqual({ content: 'x', colour: 'red' });
    expect(dead.every((d) => d.info.stream === k.stream && d.info.deliveries === 1)).toBe(true);
    expect(await pendingCount(redis, k.stream, k.group)).toBe(0);
  });

  it('leaves a failing entry pending, retries it on claim, and dead-letters it after max_deliveries with its last error', async () => {
    const k = keys('poison');
    const stoq = await makeStoq(k, { claim_idle_ms: 200, max_deliveries: 2 }, { sourceArchivers: ['echo_archiver'] });
    const id = await (await plugin(stoq)).enqueueTask({ echo_archiver: { fail: 'poison' } });
    await (await plugin(stoq)).enqueuePayload(Buffer.from('healthy'));
    await runUntil(stoq, async () => (await redis.xlen(k.dead_letter_stream)) === 1, 'the poison entry in the dead-letter stream');
    const [dead] = await readDeadLetters(redis, k.dead_letter_stream);
    expect(dead!.info).toMatchObject({ id, stream: k.stream, deliveries: 3 });
    expect(dead!.info.error).toMatch(/delivered 3 times \(max_deliveries 2\).*last error: .*echo_archiver refused: poison/);
    expect(JSON.parse(dead!.fields['task']!)).toEqual({ echo_archiver: { fail: 'poison' } });
    const results = await readResults(redis, k.results_stream);
    expect(results.map((r) => rootSha256(r.response))).toEqual([sha256(Buffer.from('healthy'))]);
    expect(await pendingCount(redis, k.stream, k.group)).toBe(0);
    expect(await redis.hlen(`${k.stream}:${k.group}:last-error`)).toBe(0);
  });

  it('claims entries a dead consumer left pending', async () => {
    const k = keys('claim');
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await redis.xadd(k.stream, '*', 'content', `orphan ${i}`));
    await redis.xgroup('CREATE', k.stream, k.group, '0');
    // A consumer that read them and died.
    await redis.xreadgroup('GROUP', k.group, 'dead-consumer', 'COUNT', 10, 'STREAMS', k.stream, '>');
    expect(await pendingCount(redis, k.stream, k.group)).toBe(3);
    const stoq = await makeStoq(k, { claim_idle_ms: 300 });
    await runUntil(stoq, async () => (await redis.xlen(k.results_stream)) === 3, 'three results');
    expect((await readResults(redis, k.results_stream)).map((r) => r.stream_id).sort()).toEqual(ids.sort());
    expect(await pendingCount(redis, k.stream, k.group)).toBe(0);
  });

  it('keeps a slow scan from being taken over while its consumer lives', async () => {
    const k = keys('heartbeat');
    const opts = { claim_idle_ms: 300 };
    const a = await makeStoq(k, { ...opts, consumer: 'a', batch: 1 }, { alwaysDispatch: ['slow_worker'], pluginOpts: { slow_worker: { delay_ms: 1200 } } });
    const b = await makeStoq(k, { ...opts, consumer: 'b', batch: 1 }, { alwaysDispatch: ['slow_worker'], pluginOpts: { slow_worker: { delay_ms: 1200 } } });
    for (let i = 0; i < 4; i++) await (await plugin(a)).enqueuePayload(Buffer.from(`slow ${i}`));
    const stop = new AbortController();
    const runs = [a.run({ signal: stop.signal }), b.run({ signal: stop.signal })];
    await waitFor(async () => (await redis.xlen(k.results_stream)) >= 4, 10_000, 'four results');
    // Long enough for a wrongful claim (> claim_idle_ms) to have produced a duplicate.
    await new Promise((r) => setTimeout(r, 700));
    stop.abort();
    await Promise.all(runs);
    const results = await readResults(redis, k.results_stream);
    expect(results).toHaveLength(4);
    expect(new Set(results.map((r) => r.stream_id)).size).toBe(4);
  });

  it('on stop, finishes and acks what is in flight and leaves the rest pending for another consumer', async () => {
    const k = keys('stop');
    const slow = { alwaysDispatch: ['slow_worker'], pluginOpts: { slow_worker: { delay_ms: 250 } }, providerConsumers: 2, maxQueue: 1 };
    const first = await makeStoq(k, { consumer: 'first', batch: 2, claim_idle_ms: 400 }, slow);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await (await plugin(first)).enqueuePayload(Buffer.from(`item ${i}`)));

    await runUntil(first, async () => (await redis.xlen(k.results_stream)) >= 1, 'a first result');
    const saved = await readResults(redis, k.results_stream);
    const pending = ((await redis.xpending(k.stream, k.group, '-', '+', 100)) as Array<[string]>).map((p) => p[0]);
    expect(saved.length).toBeGreaterThan(0);
    expect(saved.length).toBeLessThan(20);
    // Saved entries were acknowledged; nothing saved is still pending.
    expect(saved.filter((r) => pending.includes(r.stream_id!))).toEqual([]);

    const second = await makeStoq(k, { consumer: 'second', claim_idle_ms: 400 }, slow);
    await runUntil(second, async () => (await redis.xlen(k.results_stream)) >= 20, 'all twenty results');
    const all = await readResults(redis, k.results_stream);
    expect(all.map((r) => r.stream_id).sort()).toEqual([...ids].sort());
    expect(await pendingCount(redis, k.stream, k.group)).toBe(0);
  });

  it('goes on after its connections are killed and after the group is deleted', async () => {
    const k = keys('reconnect');
    const stoq = await makeStoq(k, { consumer: 'phoenix' });
    const queue = await plugin(stoq);
    await queue.enqueuePayload(Buffer.from('before'));
    const stop = new AbortController();
    const run = stoq.run({ signal: stop.signal });
    await waitFor(async () => (await redis.xlen(k.results_stream)) === 1, 10_000, 'the first result');

    const ids = String(await redis.client('LIST'))
      .split('\n')
      .filter((l: string) => l.includes('name=stoq:phoenix:'))
      .map((l: string) => /id=(\d+)/.exec(l)![1]!);
    expect(ids).toHaveLength(2);
    for (const id of ids) await redis.client('KILL', 'ID', id);
    await queue.enqueuePayload(Buffer.from('after a reconnect'));
    await waitFor(async () => (await redis.xlen(k.results_stream)) === 2, 10_000, 'a result after the reconnect');

    await redis.xgroup('DESTROY', k.stream, k.group);
    await queue.enqueuePayload(Buffer.from('after the group was deleted'));
    await waitFor(async () => (await redis.xlen(k.results_stream)) === 3, 10_000, 'a result after the group came back');
    stop.abort();
    expect((await run).failures).toEqual([]);
    const texts = (await readResults(redis, k.results_stream)).map((r) => rootSha256(r.response));
    expect(texts).toEqual(['before', 'after a reconnect', 'after the group was deleted'].map((t) => sha256(Buffer.from(t))));
    expect(await pendingCount(redis, k.stream, k.group)).toBe(0);
  });

  it('connector appends compact JSON and caps the results stream with MAXLEN ~', async () => {
    const k = keys('cap');
    const stoq = await makeStoq(k, { results_maxlen: 100 }, { providers: [] });
    const connector = await plugin(stoq);
    for (let i = 0; i < 1000; i++) await connector.save(new StoqResponse({ request_meta: new RequestMeta({ extra_data: { n: i } }) }));
    const len = await redis.xlen(k.results_stream);
    expect(len).toBeGreaterThanOrEqual(100);
    expect(len).toBeLessThan(400);
    const [latest] = await redis.xrevrange(k.results_stream, '+', '-', 'COUNT', 1);
    const fields = latest?.[1] ?? [];
    expect(fields).toContain('response');
    const json = fields[fields.indexOf('response') + 1] ?? '';
    expect(json).not.toContain('\n');
    expect(JSON.parse(json).request_meta.extra_data).toEqual({ n: 999 });
  });

  it('closes its connections so nothing is left open', async () => {
    const k = keys('close');
    const stoq = await makeStoq(k);
    const name = (await plugin(stoq)).settings.consumer;
    await (await plugin(stoq)).enqueuePayload(Buffer.from('one'));
    await runUntil(stoq, async () => (await redis.xlen(k.results_stream)) === 1, 'one result');
    const clients = async () =>
      String(await redis.client('LIST'))
        .split('\n')
        .filter((l: string) => l.includes(`name=stoq:${name}:`));
    expect((await clients()).length).toBeGreaterThan(0);
    await stoq.close();
    await waitFor(async () => (await clients()).length === 0, 2000, 'connections to close');
    // A consumer that holds nothing leaves the group.
    const consumers = (await redis.xinfo('CONSUMERS', k.stream, k.group)) as unknown[];
    expect(consumers).toHaveLength(0);
  });
});

describe('redis options', () => {
  it('falls back to REDIS_URL, then to the local default', () => {
    const base = RedisOptionsSchema.parse({});
    expect(resolveOptions(base, { REDIS_URL: 'redis://elsewhere:7000' }).redis_url).toBe('redis://elsewhere:7000');
    expect(resolveOptions(base, {}).redis_url).toBe('redis://127.0.0.1:6379');
    expect(resolveOptions(RedisOptionsSchema.parse({ redis_url: 'redis://x:1' }), { REDIS_URL: 'redis://y:2' }).redis_url).toBe('redis://x:1');
    expect(resolveOptions(base, {}).consumer).toMatch(new RegExp(`-${process.pid}$`));
  });

  it('rejects invalid option values naming the option', async () => {
    await expect(makeStoq(keys('bad'), { block_ms: 'soon' })).rejects.toThrow(/redis.*invalid options.*block_ms/);
    await expect(makeStoq(keys('bad'), { redis_url: 'http://x' })).rejects.toThrow(/redis_url.*redis:\/\//);
  });

  it('fails at load, clearly and quickly, when Redis cannot be reached', async () => {
    const port = await freePort();
    await expect(makeStoq(keys('down'), { redis_url: `redis://127.0.0.1:${port}` })).rejects.toThrow(
      new RegExp(`cannot reach Redis at redis://127.0.0.1:${port}`),
    );
  });
});
