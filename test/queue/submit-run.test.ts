import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pendingCount, readResults, rootSha256, useTestRedis, waitFor } from '../helpers/redis.js';
import { startTestS3, type TestS3 } from '../helpers/s3.js';
import { tempDir } from '../helpers/tmp.js';
import { redisOpts, startConsumer, stoqAsync } from './support.js';

const t = useTestRedis();
let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('stoq submit + two `stoq run -P redis` processes scan a directory (the deployment guide, end to end)', () => {
  it('sends small files inline and a large one by reference through S3, and every file gets exactly its result', async () => {
    const keys = t.keys('e2e');
    const bucket = `stoq-e2e-${randomBytes(4).toString('hex')}`;
    await s3.createBucket(bucket);
    const s3Opts = Object.entries({ ...s3.pluginOpts, archive_bucket: bucket }).map(([k, v]) => `s3:${k}=${v}`);

    const dir = tempDir();
    mkdirSync(join(dir, 'nested'));
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 10; i++) files.set(join(dir, i % 2 ? 'nested' : '', `small-${i}.bin`), randomBytes(100 + i * 50));
    files.set(join(dir, 'all-bytes.bin'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    files.set(join(dir, 'nested', 'large.bin'), randomBytes(200 * 1024));
    for (const [path, body] of files) writeFileSync(path, body);

    const common = ['--redis-url', t.server.url, '--stream', keys.stream, '--inline-max-bytes', String(64 * 1024), '--log-level', 'warn'];
    // Without a destination archiver the large file is refused, clearly, and the rest is still submitted.
    const refused = await stoqAsync(['submit', join(dir, 'nested', 'large.bin'), join(dir, 'all-bytes.bin'), ...common]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${join(dir, 'nested', 'large.bin')}: 204800 bytes is above --inline-max-bytes 65536; give -A/--dest-archivers`);
    expect(await t.redis.xlen(keys.stream)).toBe(1);
    await t.redis.del(keys.stream);

    const submitted = await stoqAsync([
      'submit',
      dir,
      ...common,
      '-A',
      's3',
      '--plugin-opts',
      ...s3Opts,
      '--request-source',
      'e2e',
      '--request-extra',
      'batch=7',
    ]);
    // (stderr may carry the AWS SDK's Node-version notice; no stoq error may appear.)
    expect(submitted.stderr).not.toContain('stoq:');
    expect(submitted.status).toBe(0);
    const lines = submitted.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(files.size);
    const large = lines.find((l) => l.path === join(dir, 'nested', 'large.bin'));
    expect(large.by).toBe('s3');
    expect(large.task).toEqual({ bucket, path: expect.stringMatching(/^[0-9a-f](\/[0-9a-f]){4}\/[0-9a-f]{40}$/) });
    expect(lines.filter((l) => l.by === 'inline')).toHaveLength(files.size - 1);

    const args = ['-S', 's3', '-C', 'redis', '-a', 'hash', '--plugin-opts', ...s3Opts, ...redisOpts(keys, { block_ms: 100, redis_url: t.server.url })];
    const consumers = [startConsumer('one', args, {}), startConsumer('two', args, {})];
    await waitFor(async () => (await t.redis.xlen(keys.results_stream)) >= files.size, 30_000, 'a result for every file');
    for (const c of consumers) c.child.kill('SIGTERM');
    for (const c of consumers) expect(await c.exited, c.stderr()).toBe(0);

    const results = await readResults(t.redis, keys.results_stream);
    expect(results).toHaveLength(files.size);
    for (const r of results) {
      const line = lines.find((l) => l.stream_id === r.stream_id)!;
      const result = r.response.results[0]!;
      expect(rootSha256(r.response)).toBe(sha256(files.get(line.path)!));
      expect(result.size).toBe(files.get(line.path)!.byteLength);
      expect(result.payload_meta.extra_data).toEqual({ filename: basename(line.path), source_dir: dirname(line.path) });
      expect(r.response.request_meta).toEqual({ archive_payloads: true, source: 'e2e', extra_data: { batch: 7, stream: keys.stream, stream_id: r.stream_id } });
      expect(r.response.errors).toEqual([]);
    }
    expect(await pendingCount(t.redis, keys.stream, keys.group)).toBe(0);
  });
});
