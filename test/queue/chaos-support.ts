import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { freePort, waitFor } from '../helpers/redis.js';

/**
 * A redis-server of this test's own, on a free port, keeping its data in its own folder, that
 * the test may kill, restart (same port, same folder: what it persisted comes back), pause and
 * resume. Persistence defaults to AOF with appendfsync always: what Redis confirmed is on disk.
 */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The running server process (a new one after each restart). */
  readonly process: ChildProcess;
  /** SIGKILL: no shutdown, no final save; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Start again on the same port and folder; resolves once it answers PING (data loaded). */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: connections stay open but nothing is answered meanwhile. */
  pause(): void;
  resume(): void;
  /** A client (made once, reconnecting on its own after a restart). */
  client(): Redis;
  stop(): Promise<void>;
}

const started = new Set<PrivateRedis>();
afterEach(async () => {
  for (const server of [...started]) await server.stop();
});

const PERSISTENT = ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Start a private redis-server (apt-get install redis-server); `args` replace the persistence defaults. */
export async function startPrivateRedis(args: string[] = PERSISTENT): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rxstoq-chaos-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child!: ChildProcess;
  let exited!: Promise<void>;
  let client: Redis | undefined;
  const launch = async () => {
    child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--daemonize', 'no', ...args], { stdio: 'ignore' });
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(() => answers(url), 10_000, `redis-server on port ${port} to answer`);
  };
  await launch();
  const server: PrivateRedis = {
    url,
    port,
    dir,
    get process() {
      return child;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    restart: launch,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    client: () => {
      client ??= new Redis(url, { retryStrategy: () => 50 });
      client.on('error', () => undefined);
      return client;
    },
    stop: async () => {
      started.delete(server);
      client?.disconnect();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  started.add(server);
  return server;
}

/** Log lines a `stoq run` child wrote (pino JSON on stderr), parsed; other lines are skipped. */
export function logLines(stderr: string): Array<{ level: number; msg: string; [k: string]: unknown }> {
  const out: Array<{ level: number; msg: string }> = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a partial line at the end
    }
  }
  return out;
}
