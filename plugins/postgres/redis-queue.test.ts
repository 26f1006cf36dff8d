/**
 * With the redis queue: a task entry is acknowledged only once its response is committed in
 * PostgreSQL; while the database refuses the write, the entry stays pending and comes back.
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import { PayloadMeta, Stoq } from 'rxstoq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deleteKeys, pendingCount, startTestRedis, testKeys, waitFor, type TestRedis } from '../../test/helpers/redis.js';
import { tempDir } from '../../test/helpers/tmp.js';
import type { RedisPlugin } from '../redis/redis.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './fixtures/throwaway-database.js';

let server: TestRedis;
let redis: Redis;
let database: ThrowawayDatabase;
let db: pg.Client;
const k = testKeys('postgres');

beforeAll(async () => {
  server = await startTestRedis();
  redis = new Redis(server.url);
  database = await createThrowawayDatabase();
  db = new pg.Client(database.url);
  await db.connect();
});
afterAll(async () => {
  await deleteKeys(redis, k.prefix);
  redis?.disconnect();
  await server?.stop();
  await db?.end();
  await database?.drop();
});

it('acknowledges the entry only after COMMIT: refused writes leave it pending, redelivered, stored once', async () => {
  const { prefix: _prefix, ...names } = k;
  const stoq = new Stoq({
    baseDir: tempDir(),
    env: {},
    logLevel: 'silent',
    providers: ['redis'],
    connectors: ['postgres'],
    alwaysDispatch: ['hash'],
    pluginOpts: {
      redis: { redis_url: server.url, block_ms: 50, claim_idle_ms: 200, max_deliveries: 20, ...names },
      postgres: { url: database.url, schema: 'q', batch_delay_ms: 0, statement_timeout_ms: 200 },
    },
  });
  try {
    await stoq.ready();
    const id = await ((await stoq.loadPlugin('redis')) as RedisPlugin).enqueuePayload(
      Buffer.from('queued'),
      new PayloadMeta({ extra_data: { filename: 'queued.txt' } }),
    );
    const holder = new pg.Client(database.url);
    await holder.connect();
    const stop = new AbortController();
    const run = stoq.run({ signal: stop.signal, graceSeconds: 5 });
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE q.responses IN ACCESS EXCLUSIVE MODE');
      // Delivered, its save timed out, delivered again: still pending, nothing stored.
      await waitFor(
        async () => {
          const rows = (await redis.xpending(k.stream, k.group, '-', '+', 10)) as Array<[string, string, number, number]>;
          return rows.some(([entry, , , deliveries]) => entry === id && deliveries >= 2);
        },
        10_000,
        'a second delivery',
      );
      await holder.query('ROLLBACK');
      await waitFor(async () => (await pendingCount(redis, k.stream, k.group)) === 0, 10_000, 'the entry acknowledged');
    } finally {
      await holder.end();
      stop.abort();
    }
    const summary = await run;
    expect(summary.failures.length).toBeGreaterThanOrEqual(1);
    const rows = (await db.query(`SELECT r.request_meta, p.filename FROM q.responses r JOIN q.payloads p USING (scan_id)`)).rows;
    expect(rows).toEqual([{ request_meta: expect.objectContaining({ extra_data: expect.objectContaining({ stream_id: id }) }), filename: 'queued.txt' }]);
  } finally {
    await stoq.close();
  }
});
