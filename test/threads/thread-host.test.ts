import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ThreadClosedError,
  ThreadCrashedError,
  ThreadOutOfMemoryError,
  ThreadHost,
  ThreadModuleError,
  ThreadStartError,
  ThreadTaskError,
  ThreadTimeoutError,
  type ThreadHostOptions,
} from 'rxstoq';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const MODULE = fileURLToPath(new URL('./fixtures/test-thread.mjs', import.meta.url));

type Req =
  | { op: 'echo' | 'later'; value: unknown }
  | { op: 'fail'; message: string }
  | { op: 'spin' | 'crash'; started: SharedArrayBuffer }
  | { op: 'exit' | 'grow' | 'uncloneable' }
  | { op: 'reverse'; bytes: Uint8Array }
  | { op: 'echo'; value: () => void };
type Res = { value?: unknown; threadId?: number; out?: Uint8Array };

const hosts: ThreadHost<Req, Res>[] = [];
const make = (options: Partial<ThreadHostOptions<Req>> = {}) => {
  const host = new ThreadHost<Req, Res>({ module: MODULE, name: 'test', size: 1, ...options });
  hosts.push(host);
  return host;
};
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

/** A flag the thread raises (with its threadId) once it has begun a request. */
function startFlag(): { buffer: SharedArrayBuffer; started: Promise<number> } {
  const buffer = new SharedArrayBuffer(4);
  const cell = new Int32Array(buffer);
  // Atomics.waitAsync is in Node 20; this project's type libraries (ES2023) do not declare it.
  const wait = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync(
    cell,
    0,
    0,
  );
  const started = Promise.resolve(wait.value).then(() => Atomics.load(cell, 0));
  return { buffer, started };
}

/** This process's OS threads: a worker thread is one until it has really stopped. */
const osThreads = () => readdirSync('/proc/self/task').length;

describe('ThreadHost', () => {
  it('answers each of many requests with its own result, batched over its threads', async () => {
    const host = make({ size: 2, depth: 8 });
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => host.run({ op: i % 2 ? 'echo' : 'later', value: i })));
    expect(answers.map((a) => a.value)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(new Set(answers.map((a) => a.threadId)).size).toBeLessThanOrEqual(2);
    expect(host.stats).toMatchObject({ threads: 2, running: 0, queued: 0, completed: 200, replaced: 0 });
  });

  it('rebuilds errors thrown in the thread, with their name, message and code', async () => {
    const host = make();
    const err = await host.run({ op: 'fail', message: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThreadTaskError);
    expect(err).toMatchObject({ message: 'nope', code: 'TASK_FAILED' });
    expect(host.stats.replaced).toBe(0);
  });

  it('moves buffers both ways when asked to, instead of copying them', async () => {
    const host = make();
    const bytes = new Uint8Array([1, 2, 3]);
    const answer = await host.run({ op: 'reverse', bytes }, [bytes.buffer]);
    expect(bytes.byteLength).toBe(0); // moved away: detached here
    expect([...answer.out!]).toEqual([3, 2, 1]);
  });

  it('a request that cannot be cloned fails alone; the others sent with it are answered', async () => {
    const host = make({ depth: 4 });
    const bad = host.run({ op: 'echo', value: () => undefined }).catch((e: unknown) => e);
    const good = host.run({ op: 'echo', value: 'fine' });
    expect(await bad).toMatchObject({ name: 'DataCloneError' });
    expect((await good).value).toBe('fine');
    await expect(host.run({ op: 'uncloneable' })).rejects.toThrow(/cannot leave its thread/);
  });

  it('a thread that dies fails its running request with a clear error; requests queued behind it run on a new thread', async () => {
    const host = make({ depth: 4 });
    const flag = startFlag();
    const crash = host.run({ op: 'crash', started: flag.buffer }).catch((e: unknown) => e);
    const behind = [host.run({ op: 'echo', value: 1 }), host.run({ op: 'echo', value: 2 })];
    const died = await flag.started;
    const err = await crash;
    expect(err).toBeInstanceOf(ThreadCrashedError);
    expect((err as Error).message).toBe('thread test-0 died while running the request: thread blew up');
    for (const answer of await Promise.all(behind)) expect(answer.threadId).not.toBe(died);
    expect(host.stats).toMatchObject({ threads: 1, replaced: 1, running: 0 });
  });

  it('a thread that exits fails its request with its exit code', async () => {
    const host = make();
    await expect(host.run({ op: 'exit' })).rejects.toThrow(new ThreadCrashedError('test-0', 'it exited with code 3'));
    expect((await host.run({ op: 'echo', value: 'after' })).value).toBe('after');
  });

  it('a thread over its heap cap dies; its request fails and the host goes on', async () => {
    const host = make({ resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
    const err = await host.run({ op: 'grow' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThreadOutOfMemoryError);
    expect(err).toMatchObject({ code: 'THREAD_OUT_OF_MEMORY' });
    expect((err as Error).message).toMatch(/^thread test-\d+ ran out of memory \(heap limit 16 MB\) while running the request/);
    expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect((await host.run({ op: 'echo', value: 'ok' })).value).toBe('ok');
  });

  it('a request past its timeout has its thread terminated; the next one runs on a fresh thread', async () => {
    const host = make();
    const flag = startFlag();
    const spin = host.run({ op: 'spin', started: flag.buffer }, [], { timeoutMs: 100 });
    await expect(spin).rejects.toBeInstanceOf(ThreadTimeoutError);
    await expect(spin).rejects.toThrow('test: the request did not finish within 100 ms; its thread was terminated');
    const next = await host.run({ op: 'echo', value: 'next' });
    expect(next.threadId).not.toBe(await flag.started);
    expect(host.stats.replaced).toBe(1);
  });

  it('aborting a running request terminates its thread; aborting one no thread has seen costs none', async () => {
    const host = make();
    const early = new AbortController();
    const unseen = host.run({ op: 'echo', value: 0 }, [], { signal: early.signal });
    early.abort(new Error('changed my mind'));
    await expect(unseen).rejects.toThrow('changed my mind');
    expect(host.stats.replaced).toBe(0);

    const stop = new AbortController();
    const flag = startFlag();
    const spin = host.run({ op: 'spin', started: flag.buffer }, [], { signal: stop.signal });
    await flag.started;
    stop.abort(new Error('stop'));
    await expect(spin).rejects.toThrow('stop');
    expect(host.stats.replaced).toBe(1);
    await expect(host.run({ op: 'echo', value: 1 }, [], { signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
    expect((await host.run({ op: 'echo', value: 2 })).value).toBe(2);
  });

  it("a module whose setup throws fails start() and requests with the setup's own message, and is not restarted in a loop", async () => {
    const host = make({ data: { failSetup: 'bad option x' }, size: 2 });
    const err = await host.start(2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThreadStartError);
    expect((err as Error).message).toBe('bad option x');
    await expect(host.run({ op: 'echo', value: 1 })).rejects.toThrow(new ThreadStartError('bad option x'));
    expect(host.stats).toMatchObject({ threads: 0, running: 0, queued: 0 });
  });

  it('a module without a handle function fails to start, naming the module', async () => {
    const host = make({ module: fileURLToPath(new URL('./fixtures/no-handle.mjs', import.meta.url)) });
    await expect(host.start()).rejects.toThrow(/no-handle\.mjs exports no handle\(request, state\) function/);
  });

  it('refuses a module worker threads cannot load, when it is built', () => {
    expect(() => make({ module: '/nowhere/thread.ts' })).toThrow(ThreadModuleError);
    expect(() => make({ module: '/nowhere/thread.ts' })).toThrow(/cannot load TypeScript/);
    expect(() => make({ size: 0 })).toThrow(RangeError);
  });

  it('close fails the requests in hand and leaves no thread running', async () => {
    // Start and end one host first, so lazily created threads of Node itself exist before counting.
    const warm = make();
    await warm.run({ op: 'echo', value: 0 });
    await warm.close();
    const before = osThreads();

    const host = make({ size: 3 });
    const flags = [startFlag(), startFlag(), startFlag()];
    const spins = flags.map((f) => host.run({ op: 'spin', started: f.buffer }).catch((e: unknown) => e));
    const waiting = host.run({ op: 'echo', value: 'never' }).catch((e: unknown) => e);
    await Promise.all(flags.map((f) => f.started));
    expect(osThreads()).toBeGreaterThanOrEqual(before + 3);
    await host.close();
    for (const err of [...(await Promise.all(spins)), await waiting]) expect(err).toBeInstanceOf(ThreadClosedError);
    expect(osThreads()).toBe(before);
    expect(host.stats).toMatchObject({ threads: 0, stopping: 0 });
    await expect(host.run({ op: 'echo', value: 1 })).rejects.toBeInstanceOf(ThreadClosedError);
  });

  it("shutdown answers the requests in hand, runs the module's close in each thread, and the threads exit", async () => {
    const warm = make();
    await warm.run({ op: 'echo', value: 0 });
    await warm.close();
    const before = osThreads();

    const closed = new SharedArrayBuffer(4);
    const host = make({ size: 1, data: { closed } });
    const pending = host.run({ op: 'later', value: 'last' });
    await host.shutdown();
    expect((await pending).value).toBe('last');
    expect(Atomics.load(new Int32Array(closed), 0)).toBe(1);
    expect(osThreads()).toBe(before);
    await expect(host.run({ op: 'echo', value: 1 })).rejects.toBeInstanceOf(ThreadClosedError);
  });

  it('keeps at most keepIdle idle threads', async () => {
    const host = make({ size: Infinity, keepIdle: 0 });
    await host.run({ op: 'echo', value: 1 });
    expect(host.stats.threads).toBe(0);
  });

  it('idle threads do not keep the process alive', () => {
    const script = `
      const { ThreadHost } = await import(${JSON.stringify(join(ROOT, 'dist/src/threads/index.js'))});
      const host = new ThreadHost({ module: ${JSON.stringify(MODULE)}, name: 'idle', size: 2 });
      await host.start(2);
      const answer = await host.run({ op: 'echo', value: 'done' });
      process.stdout.write(answer.value);`;
    const file = join(tempDir(), 'leave-open.mjs');
    writeFileSync(file, script);
    // Left open on purpose: the process must still end by itself.
    const out = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toBe('done');
  });
});
