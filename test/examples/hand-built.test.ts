import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getMd5 } from 'rxstoq';
import { main as handBuiltRun } from '../../examples/hand-built-run.js';
import { main as redisBatch } from '../../examples/redis-batch.js';
import { cleanEnv, ROOT } from '../helpers/cli.js';
import { pendingCount, readResults, useTestRedis } from '../helpers/redis.js';
import { png } from '../support/formats.js';
import { pseudoRandom } from '../support/samples.js';
import { tempDir } from '../helpers/tmp.js';

/** Written under a name dirmon ignores (`.tmp`), then renamed: the file appears complete. */
function drop(dir: string, name: string, content: Buffer | string): void {
  writeFileSync(join(dir, `${name}.tmp`), content);
  renameSync(join(dir, `${name}.tmp`), join(dir, name));
}

const savedFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : []);

describe('hand-built run: dirmon → scanItems → keep text/* → filedir → acknowledge', () => {
  it('saves only the text file, acknowledges all three, and stops after max items', async () => {
    const tmp = tempDir();
    const inbox = join(tmp, 'inbox');
    const results = join(tmp, 'results');
    mkdirSync(inbox);
    const files = { 'notes.txt': 'meeting notes: nothing to see here\n', 'image.png': png(4, 4), 'noise.bin': pseudoRandom(2048) };
    const summary = await handBuiltRun({
      sourceDir: inbox,
      resultsDir: results,
      maxItems: 3,
      settleMs: 50,
      logLevel: 'silent',
      onWatching: () => {
        for (const [name, content] of Object.entries(files)) drop(inbox, name, content);
      },
    });

    const byFile = new Map(
      summary.receipts.map((r) => [String((r.item as { payload_meta: { extra_data: Record<string, unknown> } }).payload_meta.extra_data['filename']), r]),
    );
    expect([...byFile.keys()].sort()).toEqual(['image.png', 'noise.bin', 'notes.txt']);
    for (const receipt of summary.receipts) expect(receipt.ok, receipt.error).toBe(true);
    // The filtered-out files' items went through to acknowledge, with no responses left.
    expect(byFile.get('notes.txt')!.responses).toBe(1);
    expect(byFile.get('image.png')!.responses).toBe(0);
    expect(byFile.get('noise.bin')!.responses).toBe(0);
    expect(summary.saved).toBe(1);

    const [saved, ...others] = savedFiles(results);
    expect(others).toEqual([]);
    const response = JSON.parse(readFileSync(join(results, saved!), 'utf8'));
    expect(response.scan_id).toBe(saved);
    expect(response.results[0].payload_meta.extra_data.filename).toBe('notes.txt');
    expect(response.results[0].workers.mimetype).toEqual({ mimetype: 'text/plain' });
    expect(response.results[0].workers.hash.md5).toBe(getMd5(files['notes.txt']));
  });

  it('another MIME prefix keeps other responses', async () => {
    const tmp = tempDir();
    const inbox = join(tmp, 'inbox');
    mkdirSync(inbox);
    const summary = await handBuiltRun({
      sourceDir: inbox,
      resultsDir: join(tmp, 'results'),
      keepMimePrefix: 'image/',
      maxItems: 2,
      settleMs: 50,
      logLevel: 'silent',
      onWatching: () => {
        drop(inbox, 'a.txt', 'plain text\n');
        drop(inbox, 'b.png', png(2, 2));
      },
    });
    expect(summary.receipts).toHaveLength(2);
    expect(summary.saved).toBe(1);
    const [saved] = savedFiles(join(tmp, 'results'));
    expect(JSON.parse(readFileSync(join(tmp, 'results', saved!), 'utf8')).results[0].workers.mimetype).toEqual({ mimetype: 'image/png' });
  });

  it('stops when its signal aborts, with nothing taken', async () => {
    const tmp = tempDir();
    const stop = new AbortController();
    const summary = await handBuiltRun({
      sourceDir: tmp,
      resultsDir: join(tmp, 'results'),
      signal: stop.signal,
      logLevel: 'silent',
      onWatching: () => stop.abort(new Error('test done')),
    });
    expect(summary).toEqual({ receipts: [], saved: 0 });
    expect(existsSync(join(tmp, 'results'))).toBe(false);
  });
});

describe('redis batch: redis → scanItems → redis connector → bufferTime JSONL batches → acknowledge', () => {
  const r = useTestRedis();
  /** The redis plugin's options naming one test's private keys. */
  const redisOpts = (keys: ReturnType<typeof r.keys>) => {
    const { prefix: _prefix, ...names } = keys;
    return { redis_url: r.server.url, ...names, consumer: 'example', block_ms: 100 };
  };

  it('N tasks in: N responses in the batch file and the results stream, nothing pending', async () => {
    const k = r.keys('batch');
    const batchFile = join(tempDir(), 'batches.jsonl');
    const tasks = Array.from({ length: 12 }, (_, i) => `task number ${i}`);
    const { enqueued, receipts } = await redisBatch({ batchFile, redis: redisOpts(k), tasks, batch: { maxMs: 50, maxItems: 5 }, logLevel: 'silent' });

    expect(enqueued).toHaveLength(12);
    expect(receipts).toHaveLength(12);
    for (const receipt of receipts) expect(receipt.ok, receipt.error).toBe(true);
    const lines = readFileSync(batchFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.request_meta.extra_data.stream_id).sort()).toEqual([...enqueued].sort());
    expect(lines.map((l) => l.results[0].workers.hash.md5).sort()).toEqual(tasks.map((t) => getMd5(t)).sort());
    expect((await readResults(r.redis, k.results_stream)).map((e) => e.stream_id).sort()).toEqual([...enqueued].sort());
    expect(await pendingCount(r.redis, k.stream, k.group)).toBe(0);
    // delete_acked: acknowledged entries are gone from the task stream.
    expect(await r.redis.xlen(k.stream)).toBe(0);
  });

  it('runs standalone from the build, its keys set through STOQ_REDIS__* like any plugin option', async () => {
    const k = r.keys('standalone');
    const batchFile = join(tempDir(), 'out.jsonl');
    const { prefix: _prefix, ...names } = k;
    const env = cleanEnv({ REDIS_URL: r.server.url, ...Object.fromEntries(Object.entries(names).map(([o, v]) => [`STOQ_REDIS__${o.toUpperCase()}`, v])) });
    const child = spawn(process.execPath, [join(ROOT, 'dist/examples/redis-batch.js'), batchFile, 'alpha', 'beta'], {
      env,
      cwd: tempDir(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((done) => child.once('exit', done));
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`2 entries taken, 2 saved to ${batchFile}`);
    expect(readFileSync(batchFile, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(await pendingCount(r.redis, k.stream, k.group)).toBe(0);
  });

  it('entries whose batch could not be written are not acknowledged (the redis connector had saved them)', async () => {
    const k = r.keys('batchfail');
    const batchFile = join(tempDir(), 'no-such-folder', 'batches.jsonl');
    const { enqueued, receipts } = await redisBatch({ batchFile, redis: redisOpts(k), tasks: ['one', 'two', 'three'], logLevel: 'silent' });

    expect(receipts).toHaveLength(3);
    for (const receipt of receipts) {
      expect(receipt.ok).toBe(false);
      expect(receipt.error).toContain(`batch file ${batchFile}`);
    }
    expect(existsSync(batchFile)).toBe(false);
    expect((await readResults(r.redis, k.results_stream)).length).toBe(3);
    // Left pending for a retry (another consumer claims them once idle), with the reason kept.
    expect(await pendingCount(r.redis, k.stream, k.group)).toBe(3);
    const reasons = await r.redis.hgetall(`${k.stream}:${k.group}:last-error`);
    expect(Object.keys(reasons).sort()).toEqual([...enqueued].sort());
  });
});
