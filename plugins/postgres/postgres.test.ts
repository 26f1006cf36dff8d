import { createHash, randomBytes } from 'node:crypto';
import { zipSync } from 'fflate';
import pg from 'pg';
import { PayloadMeta, RequestMeta, Stoq, StoqResponse, type StoqOptions } from 'rxstoq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/helpers/redis.js';
import { tempDir } from '../../test/helpers/tmp.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './fixtures/throwaway-database.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations.js';
import type { PostgresPlugin } from './postgres.js';

let DB: string;
let URL_: string;
let database: ThrowawayDatabase;
const hex = (algo: string, b: Uint8Array) => createHash(algo).update(b).digest('hex');

let db: pg.Client;
const open: Stoq[] = [];

beforeAll(async () => {
  database = await createThrowawayDatabase();
  DB = database.name;
  URL_ = database.url;
  db = new pg.Client(URL_);
  await db.connect();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await db?.end();
  await database?.drop();
});

let schemas = 0;
/** A fresh schema per test: each starts from an empty, newly migrated one. */
const freshSchema = () => `t${++schemas}_${randomBytes(3).toString('hex')}`;

function makeStoq(schema: string, opts: Record<string, unknown> = {}, options: StoqOptions = {}): Stoq {
  const stoq = new Stoq({
    baseDir: tempDir(),
    env: {},
    logLevel: 'silent',
    connectors: ['postgres'],
    alwaysDispatch: ['hash'],
    ...options,
    pluginOpts: { postgres: { url: URL_, schema, ...opts }, ...options.pluginOpts },
  });
  open.push(stoq);
  return stoq;
}

const plugin = async (stoq: Stoq) => (await stoq.loadPlugin('postgres')) as PostgresPlugin;
const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);

describe('postgres connector against a real PostgreSQL', () => {
  it('stores a real response with its extracted payloads, hashes, mimetype and filenames, queryable by SQL', async () => {
    const s = freshSchema();
    // Extracted members go to decompress again, so the zip inside the zip is opened too.
    const stoq = makeStoq(s, {}, { alwaysDispatch: ['hash', 'mimetype'], pluginOpts: { decompress: { always_dispatch: ['decompress'] } } });
    const readme = Buffer.from('hello from inside the zip\n');
    const inner = zipSync({ 'deep.txt': Buffer.from('two levels down\n') });
    const zip = zipSync({ 'readme.txt': readme, 'inner.zip': inner });
    const response = await stoq.scan(zip, {
      payloadMeta: new PayloadMeta({ extra_data: { filename: 'outer.zip' } }),
      addStartDispatch: ['decompress'],
      requestMeta: new RequestMeta({ source: 'test', extra_data: { case: 'round trip' } }),
    });
    expect(response.results.length).toBe(4);

    const [stored] = (await db.query(`SELECT * FROM ${s}.responses`)).rows;
    expect(stored.scan_id).toBe(response.scan_id);
    expect(stored.time.toISOString()).toBe(new Date(response.time).toISOString());
    expect(stored.request_meta).toEqual({ archive_payloads: true, source: 'test', extra_data: { case: 'round trip' } });
    expect(stored.errors).toEqual(response.toJSON()['errors']);
    expect(stored.response).toEqual(response.toJSON());

    const rows = (await db.query(`SELECT * FROM ${s}.payloads ORDER BY depth, filename`)).rows;
    expect(rows.map((r) => [r.filename, r.depth, Number(r.size)])).toEqual([
      ['outer.zip', 0, zip.length],
      ['inner.zip', 1, inner.length],
      ['readme.txt', 1, readme.length],
      ['deep.txt', 2, 16],
    ]);
    const byName = Object.fromEntries(rows.map((r) => [r.filename, r]));
    expect(byName['readme.txt']).toMatchObject({
      sha256: hex('sha256', readme),
      md5: hex('md5', readme),
      sha1: hex('sha1', readme),
      mimetype: 'text/plain',
      extracted_from: [byName['outer.zip'].payload_id],
      extracted_by: ['decompress'],
    });
    expect(byName['deep.txt'].extracted_from).toEqual([byName['inner.zip'].payload_id]);
    expect(byName['outer.zip']).toMatchObject({ sha256: hex('sha256', zip), mimetype: 'application/zip', extracted_from: [], extracted_by: [] });

    // The README's example questions, as written there.
    const which = await db.query(`SELECT r.scan_id, p.filename FROM ${s}.payloads p JOIN ${s}.responses r USING (scan_id) WHERE p.sha256 = $1`, [
      hex('sha256', readme),
    ]);
    expect(which.rows).toEqual([{ scan_id: response.scan_id, filename: 'readme.txt' }]);
    const results = await db.query(`SELECT payload_id FROM ${s}.worker_results WHERE result @> $1::jsonb`, [JSON.stringify({ mimetype: 'application/zip' })]);
    expect(results.rows.map((r) => r.payload_id).sort()).toEqual([byName['outer.zip'].payload_id, byName['inner.zip'].payload_id].sort());
    const path = await db.query(`SELECT count(*)::int AS n FROM ${s}.worker_results WHERE plugin = 'hash' AND result @? '$.sha256 ? (@ starts with "")'`);
    expect(path.rows[0].n).toBe(4);
    // One row per (payload, worker), each the worker's result as in the response.
    const stored_results = (await db.query(`SELECT payload_id, plugin, result FROM ${s}.worker_results ORDER BY payload_id, plugin`)).rows;
    const expected = response.results
      .flatMap((r) => Object.entries(r.workers).map(([plugin, result]) => ({ payload_id: r.payload_id, plugin, result })))
      .sort((x, y) => (x.payload_id + x.plugin < y.payload_id + y.plugin ? -1 : 1));
    expect(stored_results).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(new Set(stored_results.map((r) => r.plugin))).toEqual(new Set(['hash', 'mimetype', 'decompress']));
  });

  it('stores the same response (same scan_id) once, saved twice, in separate batches and in one', async () => {
    const s = freshSchema();
    const stoq = makeStoq(s);
    const response = await stoq.scan(Buffer.from('redelivered'));
    const connector = await plugin(stoq);
    await connector.save(response);
    await Promise.all([connector.save(response), connector.save(response)]);
    expect(await count(`SELECT count(*) AS n FROM ${s}.responses`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM ${s}.payloads`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM ${s}.worker_results`)).toBe(1);
  });

  it('migrates once when two instances start at once, and two writers store 100 responses each', async () => {
    const s = freshSchema();
    const a = makeStoq(s, { batch_size: 7 });
    const b = makeStoq(s, { batch_size: 13 });
    await Promise.all([a.ready(), b.ready()]);
    const versions = (await db.query(`SELECT version FROM ${s}.schema_migrations ORDER BY version`)).rows.map((r) => r.version);
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
    expect(versions.at(-1)).toBe(LATEST_VERSION);

    const scans = (stoq: Stoq, tag: string) => Array.from({ length: 100 }, (_, i) => stoq.scan(Buffer.from(`${tag} ${i}`)));
    const responses = await Promise.all([...scans(a, 'a'), ...scans(b, 'b')]);
    expect(await count(`SELECT count(*) AS n FROM ${s}.responses`)).toBe(200);
    expect(await count(`SELECT count(DISTINCT sha256) AS n FROM ${s}.payloads`)).toBe(200);
    const ids = (await db.query(`SELECT scan_id FROM ${s}.responses`)).rows.map((r) => r.scan_id).sort();
    expect(ids).toEqual(responses.map((r) => r.scan_id).sort());

    // A third start finds the schema current and applies nothing.
    await makeStoq(s).ready();
    expect(await count(`SELECT count(*) AS n FROM ${s}.schema_migrations`)).toBe(MIGRATIONS.length);
  });

  it('lets a starting worker wait for another’s migration longer than statement_timeout_ms', async () => {
    const s = freshSchema();
    const holder = new pg.Client(URL_);
    await holder.connect();
    try {
      // Another worker migrating: it holds the schema's migration lock.
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`rxstoq.postgres.migrations:${s}`]);
      const stoq = makeStoq(s, { statement_timeout_ms: 150 });
      const ready = stoq.ready();
      ready.catch(() => undefined);
      // Until the waiting migration has waited well past its workers' statement_timeout.
      for (let i = 0; ; i++) {
        const { rows } = await db.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event = 'advisory' AND now() - query_start > interval '400 ms'`,
          [DB],
        );
        if (rows.length > 0) break;
        if (i > 2000) throw new Error('the migration never waited on the advisory lock');
      }
      await holder.query('COMMIT');
      await ready;
    } finally {
      await holder.end();
    }
    expect(await count(`SELECT count(*) AS n FROM ${s}.schema_migrations`)).toBe(MIGRATIONS.length);
  });

  it('rejects the save whose connection is killed mid-batch; saving again stores it once', async () => {
    const s = freshSchema();
    const stoq = makeStoq(s, { batch_delay_ms: 0 });
    const connector = await plugin(stoq);
    const response = new StoqResponse({ request_meta: new RequestMeta({ extra_data: { n: 1 } }) });

    // Hold the table so the plugin's INSERT waits inside its transaction; then kill its backend there.
    const holder = new pg.Client(URL_);
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${s}.responses IN ACCESS EXCLUSIVE MODE`);
      const saving = connector.save(response);
      saving.catch(() => undefined);
      const pid = await waitForBlockedBackend(connector.applicationName);
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
      await expect(saving).rejects.toThrow(/terminat/i);
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    expect(await count(`SELECT count(*) AS n FROM ${s}.responses`)).toBe(0);
    await connector.save(response);
    await connector.save(response);
    expect(await count(`SELECT count(*) AS n FROM ${s}.responses WHERE scan_id = $1`, [response.scan_id])).toBe(1);
  });

  it('stores hostile strings as given, parameterised, and NUL bytes (which PostgreSQL cannot hold) as U+FFFD', async () => {
    const s = freshSchema();
    const stoq = makeStoq(s);
    const hostile = `it's "quoted" '); DROP TABLE ${s}.responses; -- \\ $1 $$ \u{1F600}`;
    const response = await stoq.scan(Buffer.from('x'), {
      payloadMeta: new PayloadMeta({ extra_data: { filename: `evil\u0000name'); DROP TABLE x; --` } }),
      requestMeta: new RequestMeta({ source: hostile, extra_data: { [`key\u0000with nul`]: `a\u0000b`, lone: 'x\ud800y', hostile } }),
    });
    const [row] = (await db.query(`SELECT * FROM ${s}.responses`)).rows;
    expect(row.request_meta.source).toBe(hostile);
    expect(row.request_meta.extra_data).toEqual({ 'key\ufffdwith nul': 'a\ufffdb', lone: 'x\ufffdy', hostile });
    expect(row.response.scan_id).toBe(response.scan_id);
    const [p] = (await db.query(`SELECT filename FROM ${s}.payloads`)).rows;
    expect(p.filename).toBe(`evil\ufffdname'); DROP TABLE x; --`);
    // Nothing was dropped.
    expect(await count(`SELECT count(*) AS n FROM ${s}.responses`)).toBe(1);
  });

  it('refuses a scan_id that is not a UUID, without failing the others of its batch', async () => {
    const s = freshSchema();
    const connector = await plugin(makeStoq(s, { batch_delay_ms: 50 }));
    const good = new StoqResponse({ request_meta: new RequestMeta() });
    const bad = new StoqResponse({ request_meta: new RequestMeta(), scan_id: "x'; --" });
    const [g, b] = await Promise.allSettled([connector.save(good), connector.save(bad)]);
    expect(g.status).toBe('fulfilled');
    expect(b.status === 'rejected' && String(b.reason)).toMatch(/not a UUID/);
    expect(await count(`SELECT count(*) AS n FROM ${s}.responses`)).toBe(1);

    // An upper-case UUID is a UUID: stored (PostgreSQL writes it lower case), with its payload.
    const scanned = await makeStoq(s, {}, { connectors: [] }).scan(Buffer.from('upper'));
    scanned.scan_id = scanned.scan_id.toUpperCase();
    await connector.save(scanned);
    await connector.save(scanned);
    expect(await count(`SELECT count(*) AS n FROM ${s}.payloads WHERE scan_id = $1`, [scanned.scan_id])).toBe(1);
  });

  it('writes a batch in one transaction: a batch that fails (statement_timeout) stores none of its responses, and rejects every save', async () => {
    const s = freshSchema();
    const connector = await plugin(makeStoq(s, { batch_size: 3, batch_delay_ms: 60_000, statement_timeout_ms: 300 }));
    // Responses with a payload each, scanned by a Stoq that saves nowhere.
    const scanner = makeStoq(s, {}, { connectors: [] });
    const responses = await Promise.all([1, 2, 3].map((i) => scanner.scan(Buffer.from(`atomic ${i}`))));
    const holder = new pg.Client(URL_);
    await holder.connect();
    try {
      // responses can be written, payloads not: the batch's first INSERT succeeds, its second times out.
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${s}.payloads IN ACCESS EXCLUSIVE MODE`);
      const saves = await Promise.allSettled(responses.map((r) => connector.save(r)));
      expect(saves.map((x) => x.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(saves.map((x) => (x.status === 'rejected' ? String(x.reason) : ''))).toEqual(Array(3).fill('error: canceling statement due to statement timeout'));
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(await count(`SELECT count(*) AS n FROM ${s}.responses`)).toBe(0);
    await Promise.all(responses.map((r) => connector.save(r)));
    expect(await count(`SELECT count(*) AS n FROM ${s}.responses`)).toBe(3);
    expect(await count(`SELECT count(*) AS n FROM ${s}.payloads`)).toBe(3);
  });

  it('holds at most max_buffered responses: save() then waits, its signal ends the wait, and close() writes what is buffered', async () => {
    const s = freshSchema();
    const stoq = makeStoq(s, { batch_size: 1, batch_delay_ms: 0, max_buffered: 2 });
    const connector = await plugin(stoq);
    const make = () => new StoqResponse({ request_meta: new RequestMeta() });
    const holder = new pg.Client(URL_);
    await holder.connect();
    const settled: string[] = [];
    let first: Promise<void>;
    let second: Promise<void>;
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${s}.responses IN ACCESS EXCLUSIVE MODE`);
      first = connector.save(make()).then(() => void settled.push('first'));
      await waitForBlockedBackend(connector.applicationName); // the first batch is being written
      second = connector.save(make()).then(() => void settled.push('second'));
      // Full (one writing, one queued): the third waits for room until its signal aborts.
      const stop = new AbortController();
      const third = connector.save(make(), { signal: stop.signal, log: connector.log });
      third.catch(() => undefined);
      stop.abort(new Error('run stopping'));
      await expect(third).rejects.toThrow('run stopping');
      expect(settled).toEqual([]);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    await Promise.all([first, second]);
    expect(settled).toEqual(['first', 'second']);
    expect(await count(`SELECT count(*) AS n FROM ${s}.responses`)).toBe(2);

    // A response waiting for its batch delay is written by close(), which resolves its save.
    const slow = await plugin(makeStoq(s, { batch_delay_ms: 600_000 }));
    const late = make();
    const saving = slow.save(late);
    await slow.close();
    await saving;
    expect(await count(`SELECT count(*) AS n FROM ${s}.responses WHERE scan_id = $1`, [late.scan_id])).toBe(1);
    await expect(slow.save(make())).rejects.toThrow(/not set up/);

    // Aborted while waiting for its batch delay: taken out of the batch, never written.
    const other = await plugin(makeStoq(s, { batch_delay_ms: 600_000 }));
    const stop = new AbortController();
    const dropped = make();
    const kept = make();
    const abandoned = other.save(dropped, { signal: stop.signal, log: other.log });
    const written = other.save(kept);
    stop.abort(new Error('request timed out'));
    await expect(abandoned).rejects.toThrow('request timed out');
    await other.close();
    await written;
    const ids = (await db.query(`SELECT scan_id FROM ${s}.responses WHERE scan_id = ANY($1::uuid[])`, [[dropped.scan_id, kept.scan_id]])).rows;
    expect(ids).toEqual([{ scan_id: kept.scan_id }]);
  });

  it('fails setup at once, naming the database, when the database does not exist', async () => {
    const url = `postgres://postgres@127.0.0.1:5432/${DB}_missing`;
    const err = await makeStoq('stoq', { url, connect_timeout_ms: 60_000 })
      .ready()
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toContain(url);
    expect(err?.message).toMatch(/1 attempt in .*does not exist/);
  });

  it('fails setup with a clear error naming the URL (password hidden) when nothing listens, within connect_timeout_ms', async () => {
    const port = await freePort();
    const url = `postgres://stoq:s3cret@127.0.0.1:${port}/stoq`;
    const stoq = makeStoq('stoq', { url, connect_timeout_ms: 600 });
    const started = Date.now();
    const err = await stoq.ready().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain(`postgres://stoq:***@127.0.0.1:${port}/stoq`);
    expect(err?.message).toMatch(/ECONNREFUSED|connect/);
    expect(err?.message).toMatch(/\d+ attempts/);
    expect(err?.message).not.toContain('s3cret');
    // Retried within the bound, not given up at once and not much past it.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

async function waitForBlockedBackend(applicationName: string): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND wait_event_type = 'Lock'`,
      [DB, applicationName],
    );
    if (rows[0]) return rows[0].pid;
  }
  throw new Error('the plugin’s INSERT never waited on the lock');
}
