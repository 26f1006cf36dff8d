import { Writable } from 'node:stream';
import { PayloadMeta, RequestMeta, Stoq, StoqResponse, createLogger } from 'rxstoq';
import { afterEach, describe, expect, it } from 'vitest';
import { pendingCount, testKeys, waitFor } from '../../test/helpers/redis.js';
import { tempDir } from '../../test/helpers/tmp.js';
import { startPrivateRedis, type PrivateRedis } from '../../test/queue/chaos-support.js';
import { assessPersistence } from './persistence.js';
import type { RedisPlugin } from './redis.js';

const open: Stoq[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A Stoq on `server` whose log lines the test reads. */
async function stoqOn(server: PrivateRedis, keys = testKeys('durable')) {
  const lines: Array<{ level: number; msg: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const { prefix: _p, ...names } = keys;
  const stoq = new Stoq({
    baseDir: tempDir(),
    env: {},
    logger: createLogger({ level: 'info', destination }),
    providers: ['redis'],
    connectors: ['redis'],
    alwaysDispatch: ['hash'],
    pluginOpts: { redis: { redis_url: server.url, block_ms: 50, claim_idle_ms: 200, ...names } },
  });
  open.push(stoq);
  await stoq.ready();
  return { stoq, lines, keys, plugin: (await stoq.loadPlugin('redis')) as RedisPlugin };
}

describe('redis persistence check', () => {
  it('judges the settings: AOF always or everysec is safe, appendfsync no, RDB only and nothing are not', () => {
    expect(assessPersistence({ appendonly: 'yes', appendfsync: 'always', save: '' }).safe).toBe(true);
    expect(assessPersistence({ appendonly: 'yes', appendfsync: 'everysec', save: '' }).message).toMatch(/last second/);
    expect(assessPersistence({ appendonly: 'yes', appendfsync: 'no', save: '' })).toMatchObject({ safe: false, message: /appendfsync no/ });
    expect(assessPersistence({ appendonly: 'no', appendfsync: 'everysec', save: '3600 1' })).toMatchObject({ safe: false, message: /RDB snapshots only/ });
    expect(assessPersistence({ appendonly: 'no', appendfsync: 'everysec', save: '' })).toMatchObject({ safe: false, message: /persistence is off/ });
  });

  it.each([
    { name: 'no persistence', args: ['--appendonly', 'no', '--save', ''], level: 40, says: /persistence is off/ },
    { name: 'AOF always', args: ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], level: 30, says: /appendfsync always/ },
    { name: 'CONFIG disabled', args: ['--appendonly', 'no', '--save', '', '--rename-command', 'CONFIG', '""'], level: 30, says: /could not tell/ },
  ])('logs once, when the provider starts, what Redis keeps over a restart: $name', async ({ args, level, says }) => {
    const server = await startPrivateRedis(args);
    const { stoq, lines } = await stoqOn(server);
    const stop = new AbortController();
    const run = stoq.run({ signal: stop.signal, graceSeconds: 1 });
    await waitFor(() => lines.some((l) => /Redis persistence/.test(l.msg)), 5000, 'the persistence log line');
    stop.abort();
    await run;
    const said = lines.filter((l) => /Redis persistence/.test(l.msg));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level, msg: expect.stringMatching(says) });
  });
});

describe('redis connector confirmation', () => {
  it('fails a save Redis refused, so its task entry is not acknowledged and is delivered again', async () => {
    const server = await startPrivateRedis();
    const { stoq, keys, plugin } = await stoqOn(server);
    const redis = server.client();
    // The results key holds a string: every XADD to it is refused (WRONGTYPE).
    await redis.set(keys.results_stream, 'not a stream');
    await expect(plugin.save(new StoqResponse({ request_meta: new RequestMeta() }))).rejects.toThrow(/WRONGTYPE/);

    const id = await plugin.enqueuePayload(Buffer.from('refused once'), new PayloadMeta());
    const stop = new AbortController();
    const run = stoq.run({ signal: stop.signal, graceSeconds: 1 });
    // Delivered, its save refused, claimed again after claim_idle_ms: more than one delivery, still pending.
    await waitFor(
      async () => {
        const rows = (await redis.xpending(keys.stream, keys.group, '-', '+', 10).catch(() => [])) as Array<[string, string, number, number]>;
        return rows.some(([pid, , , deliveries]) => pid === id && deliveries >= 2);
      },
      10_000,
      'the refused entry to be delivered again',
    );
    expect(await pendingCount(redis, keys.stream, keys.group)).toBe(1);
    // Once Redis accepts results, the entry is saved and acknowledged.
    await redis.del(keys.results_stream);
    await waitFor(async () => (await pendingCount(redis, keys.stream, keys.group)) === 0, 10_000, 'the entry to be acknowledged');
    stop.abort();
    const summary = await run;
    expect(summary.failures.some((f) => f.stage === 'connector')).toBe(true);
    const saved = await redis.xrange(keys.results_stream, '-', '+');
    expect(saved.map(([, f]) => f[f.indexOf('stream_id') + 1])).toEqual([id]);
  });
});

describe('redis after a stop', () => {
  it('does not reconnect once a run stopped, and does again when the same Stoq runs again', async () => {
    const server = await startPrivateRedis();
    const { stoq, keys, plugin } = await stoqOn(server);
    const redis = server.client();
    const first = new AbortController();
    const run1 = stoq.run({ signal: first.signal, graceSeconds: 1 });
    await plugin.enqueuePayload(Buffer.from('one'));
    await waitFor(async () => (await redis.xlen(keys.results_stream)) === 1, 10_000, 'the first result');
    first.abort();
    await run1;
    // Redis restarts between the runs: the stopped plugin's connection ends instead of retrying.
    await server.kill();
    await waitFor(() => plugin.writer.status === 'end', 5000, 'the writer to give up');
    await server.restart();

    const second = new AbortController();
    const run2 = stoq.run({ signal: second.signal, graceSeconds: 1 });
    await waitFor(() => plugin.writer.status === 'ready', 5000, 'the writer to reconnect for the new run');
    await plugin.enqueuePayload(Buffer.from('two'));
    await waitFor(async () => (await redis.xlen(keys.results_stream)) === 2, 10_000, 'the second result');
    second.abort();
    expect((await run2).failures).toEqual([]);
  });
});
