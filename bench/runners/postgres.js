// The postgres connector: responses/s written for a corpus at several batch sizes, and hash lookup
// latency over 1,000,000 stored payloads. Uses a throwaway database on the local PostgreSQL
// (STOQ_BENCH_POSTGRES_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres), dropped at
// the end. Prints JSON.
//   node bench/runners/postgres.js FILE_LIST
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { percentile } from '../stats.js';

const { Stoq, PayloadMeta } = await import(new URL('../../dist/src/index.js', import.meta.url).href);
const adminUrl = process.env.STOQ_BENCH_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const files = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const database = `rxstoq_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const url = new URL(adminUrl);
url.pathname = `/${database}`;
const out = { files: files.length, batches: [], lookup: undefined };

try {
  // The responses, made once: what is measured is writing them.
  const scanner = new Stoq({ alwaysDispatch: ['hash', 'mimetype'], logLevel: 'silent', baseDir: process.env.BENCH_EMPTY_HOME });
  const responses = [];
  for (const f of files) responses.push(await scanner.scan(readFileSync(f), { payloadMeta: new PayloadMeta({ extra_data: { filename: f } }) }));
  await scanner.close();
  const payloads = responses.reduce((n, r) => n + r.results.length, 0);

  for (const batch_size of [1, 10, 50, 200]) {
    const schema = `b${batch_size}`;
    const stoq = new Stoq({ logLevel: 'silent', baseDir: process.env.BENCH_EMPTY_HOME, pluginOpts: { postgres: { url: url.href, schema, batch_size } } });
    const connector = await stoq.loadPlugin('postgres');
    const started = performance.now();
    // Many saves in flight at once, as a busy `stoq run` has: batching needs company.
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < responses.length) await connector.save(responses[next++]);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    await stoq.close();
    out.batches.push({ batch_size, responses: responses.length, payloads, seconds, responsesPerSec: responses.length / seconds });
  }

  // 1,000,000 payload rows (1,000 responses of 1,000 payloads) made in SQL, then random hash lookups.
  const stoq = new Stoq({ logLevel: 'silent', baseDir: process.env.BENCH_EMPTY_HOME, pluginOpts: { postgres: { url: url.href, schema: 'big' } } });
  await stoq.loadPlugin('postgres');
  await stoq.close();
  const db = new pg.Client({ connectionString: url.href });
  await db.connect();
  const t0 = performance.now();
  await db.query(
    `INSERT INTO big.responses (scan_id, time, request_meta, errors, response)
     SELECT md5(r::text)::uuid, now(), '{}'::jsonb, '[]'::jsonb, '{}'::jsonb FROM generate_series(1, 1000) r`,
  );
  await db.query(
    `INSERT INTO big.payloads (scan_id, payload_id, sha256, md5, sha1, size, filename, mimetype, extracted_from, extracted_by, depth)
     SELECT md5(((i / 1000) + 1)::text)::uuid, i::text, encode(sha256(i::text::bytea), 'hex'), md5(i::text), encode(sha256(('s' || i)::bytea), 'hex'),
            i % 65536, 'file-' || i, 'application/octet-stream', '{}', '{}', 0
     FROM generate_series(0, 999999) i`,
  );
  await db.query('ANALYZE big.payloads');
  const loadSeconds = (performance.now() - t0) / 1000;
  const latencies = [];
  for (let k = 0; k < 2000; k++) {
    const i = Math.floor(Math.random() * 1_000_000);
    const sha = (await db.query(`SELECT encode(sha256($1::text::bytea), 'hex') AS h`, [String(i)])).rows[0].h;
    const t = performance.now();
    const { rows } = await db.query('SELECT scan_id, payload_id, filename FROM big.payloads WHERE sha256 = $1', [sha]);
    latencies.push(performance.now() - t);
    if (rows.length !== 1) throw new Error(`lookup of payload ${i} found ${rows.length} rows`);
  }
  await db.end();
  latencies.sort((a, b) => a - b);
  out.lookup = { payloads: 1_000_000, loadSeconds, lookups: latencies.length, p50ms: percentile(latencies, 50), p99ms: percentile(latencies, 99) };
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}
console.log(JSON.stringify(out));
