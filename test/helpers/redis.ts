import { afterAll, afterEach, beforeAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type WireStoqResponse, WireStoqResponseSchema } from 'rxstoq';

/** A free loopback TCP port (bound and released; good enough for a test server started right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export interface TestRedis {
  url: string;
  /** Stops the private server if this helper started one. */
  stop(): Promise<void>;
}

/**
 * The Redis the integration tests talk to: $REDIS_URL when set, else a server on
 * 127.0.0.1:6379 when one answers, else a private redis-server on a free port. With none of
 * those this throws, so the tests fail instead of skipping (CI starts one in scripts/services.sh).
 */
export async function startTestRedis(): Promise<TestRedis> {
  const fromEnv = process.env['REDIS_URL'];
  if (fromEnv) {
    if (!(await answers(fromEnv))) throw new Error(`REDIS_URL=${fromEnv} is set but no Redis answers there`);
    return { url: fromEnv, stop: async () => undefined };
  }
  const local = 'redis://127.0.0.1:6379';
  if (await answers(local)) return { url: local, stop: async () => undefined };
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('No Redis for the integration tests: set REDIS_URL, start redis-server on 127.0.0.1:6379, or install it (apt-get install redis-server)');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'stoq-redis-'));
  const child: ChildProcess = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await answers(url))) {
    child.kill('SIGKILL');
    throw new Error(`started redis-server on port ${port} but it does not answer`);
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Unique key names for one test, so tests never see each other's streams. */
export function testKeys(label = 'test') {
  const prefix = `stoqtest:${label}:${randomBytes(6).toString('hex')}`;
  return {
    prefix,
    stream: `${prefix}:tasks`,
    group: `${prefix}:group`,
    results_stream: `${prefix}:results`,
    dead_letter_stream: `${prefix}:dead`,
  };
}

/** Delete every key under `prefix` (streams, groups with them, the last-error hash). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** What the dead-letter stream records about an entry it took. */
export interface DeadLetterInfo {
  stream: string;
  id: string;
  group: string;
  consumer: string;
  deliveries: number;
  error: string;
  time: string;
}

/** The sha256 the hash worker reported for a response's first payload. */
export function rootSha256(response: WireStoqResponse): string | undefined {
  return (response.results[0]?.workers['hash'] as { sha256?: string } | undefined)?.sha256;
}

/** Every entry of a results stream, each response checked against the wire schema. */
export async function readResults(redis: Redis, stream: string): Promise<Array<{ id: string; stream_id?: string; response: WireStoqResponse }>> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([id, fields]) => {
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
    return { id, stream_id: f.get('stream_id'), response: WireStoqResponseSchema.parse(JSON.parse(f.get('response') ?? 'null')) };
  });
}

/** Entries of a dead-letter stream: the `dead_letter` info plus the copied fields (as strings). */
export async function readDeadLetters(redis: Redis, stream: string): Promise<Array<{ info: DeadLetterInfo; fields: Record<string, string> }>> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([, raw]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < raw.length; i += 2) fields[raw[i]!] = raw[i + 1]!;
    const { dead_letter, ...rest } = fields;
    return { info: JSON.parse(dead_letter ?? 'null') as DeadLetterInfo, fields: rest };
  });
}

/** Entries pending in a group (0 when the group does not exist). */
export async function pendingCount(redis: Redis, stream: string, group: string): Promise<number> {
  try {
    const summary = (await redis.xpending(stream, group)) as [number, ...unknown[]];
    return Number(summary[0]);
  } catch {
    return 0;
  }
}

/** Poll `check` until it returns true or `ms` pass; throws with `what` on timeout. */
export async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The hooks every queue suite needs: one test Redis for the file, a client on it, and keys made
 * with `keys(label)` deleted after each test.
 */
export function useTestRedis() {
  let server: TestRedis | undefined;
  let client: Redis | undefined;
  const prefixes: string[] = [];
  beforeAll(async () => {
    server = await startTestRedis();
    client = new Redis(server.url);
  });
  afterEach(async () => {
    for (const p of prefixes.splice(0)) await deleteKeys(client!, p);
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return {
    get server(): TestRedis {
      return server!;
    },
    get redis(): Redis {
      return client!;
    },
    keys(label?: string): ReturnType<typeof testKeys> {
      const k = testKeys(label);
      prefixes.push(k.prefix);
      return k;
    },
  };
}
