import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Payload, Request, RequestMeta, Stoq, StoqResponse } from 'rxstoq';
import { afterEach, describe, expect, it } from 'vitest';
import { pendingCount, testKeys, waitFor } from '../../test/helpers/redis.js';
import { tempDir } from '../../test/helpers/tmp.js';
import { startPrivateRedis } from '../../test/queue/chaos-support.js';
import type { RedisPlugin } from '../redis/redis.js';
import type { S3Plugin } from './s3.js';

/**
 * A store that takes every PUT with 200 but never confirms it (no ETag), as a broken proxy or
 * gateway might: counts the PUTs it swallowed.
 */
async function unconfirmingStore(): Promise<{ endpoint: string; puts: () => number; close: () => Promise<void> }> {
  let puts = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'PUT') puts++;
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    puts: () => puts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

const s3Opts = (endpoint: string) => ({
  endpoint,
  force_path_style: true,
  access_key: 'k',
  secret_key: 's',
  connector_bucket: 'results',
  archive_bucket: 'payloads',
});
const ctx = () => ({ signal: new AbortController().signal, log: undefined as never });

describe('s3 reports a put only once the store confirmed it', () => {
  it('fails save and archive when the store answers without an ETag', async () => {
    const store = await unconfirmingStore();
    open.push(store);
    const stoq = new Stoq({ baseDir: tempDir(), env: {}, logLevel: 'silent', pluginOpts: { s3: s3Opts(store.endpoint) } });
    open.push(stoq);
    const s3 = (await stoq.loadPlugin('s3', 'archiver')) as S3Plugin;
    await expect(s3.save(new StoqResponse({ request_meta: new RequestMeta() }))).rejects.toThrow(
      /^s3: cannot put s3:\/\/results\/.*did not confirm it \(HTTP 200, ETag missing\)/,
    );
    await expect(s3.archive(new Payload('bytes'), new Request(), ctx())).rejects.toThrow(/^s3: cannot put s3:\/\/payloads\/.*did not confirm it/);
    expect(store.puts()).toBe(2);
  });

  it('leaves the queue entry of an unconfirmed save unacknowledged (stoq run -P redis -C s3)', async () => {
    const store = await unconfirmingStore();
    open.push(store);
    const server = await startPrivateRedis();
    const keys = testKeys('s3-confirm');
    const { prefix: _p, ...names } = keys;
    const stoq = new Stoq({
      baseDir: tempDir(),
      env: {},
      logLevel: 'silent',
      providers: ['redis'],
      connectors: ['s3'],
      alwaysDispatch: ['hash'],
      pluginOpts: { s3: s3Opts(store.endpoint), redis: { redis_url: server.url, block_ms: 50, claim_idle_ms: 200, max_deliveries: 50, ...names } },
    });
    open.push(stoq);
    const redisPlugin = (await stoq.loadPlugin('redis')) as RedisPlugin;
    const id = await redisPlugin.enqueuePayload(Buffer.from('never confirmed'));
    const redis = server.client();
    const stop = new AbortController();
    const run = stoq.run({ signal: stop.signal, graceSeconds: 1 });
    // Saved twice (PUT swallowed each time), never acknowledged: delivered again after claim_idle_ms.
    await waitFor(() => store.puts() >= 2, 10_000, 'two unconfirmed puts');
    stop.abort();
    const summary = await run;
    expect(summary.failures.filter((f) => f.stage === 'connector').length).toBeGreaterThanOrEqual(2);
    expect(await pendingCount(redis, keys.stream, keys.group)).toBe(1);
    expect((await redis.xrange(keys.stream, '-', '+')).map(([entry]) => entry)).toEqual([id]);
  });
});
