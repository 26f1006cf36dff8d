import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { allocShared, isShared, PoolClosedError, PoolTaskError, PoolTimeoutError, toShared, WorkerPool } from 'rxstoq';

const TASKS = fileURLToPath(new URL('../fixtures/pool/tasks.mjs', import.meta.url));
const pools: WorkerPool[] = [];
const make = (options: ConstructorParameters<typeof WorkerPool>[0] = {}) => {
  const p = new WorkerPool(options);
  pools.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const hex = (algo: string, data: Uint8Array) => createHash(algo).update(data).digest('hex');
/** A CPU-bound task that never ends, and a promise that resolves once its thread has begun it. */
function announcedSpin(pool: WorkerPool, options?: { signal?: AbortSignal }): { spin: Promise<unknown>; started: Promise<unknown> } {
  const flag = new SharedArrayBuffer(4);
  const spin = pool.call(TASKS, 'spinAnnounced', [flag], [], options);
  // Atomics.waitAsync is in Node 20; this project's type libraries (ES2023) do not declare it.
  const wait = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { value: Promise<string> | string } }).waitAsync(
    new Int32Array(flag),
    0,
    0,
  );
  return { spin, started: Promise.resolve(wait.value) };
}

describe('WorkerPool', () => {
  it('computes digests in a thread, identical to the main thread', async () => {
    const pool = make({ size: 2 });
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');
    expect(await pool.digest(data, ['sha256', 'md5', 'sha1'])).toEqual([hex('sha256', data), hex('md5', data), hex('sha1', data)]);
  });

  it('calls exported module functions, sync and async, and rebuilds their errors', async () => {
    const pool = make({ size: 1 });
    expect(await pool.call(TASKS, 'add', [2, 3])).toBe(5);
    expect(await pool.call(TASKS, 'later', ['done', 5])).toBe('done');
    const err = await pool.call(TASKS, 'fail', ['boom']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PoolTaskError);
    expect(err).toMatchObject({ message: 'boom', code: 'TASK_FAILED' });
    await expect(pool.call(TASKS, 'missing', [])).rejects.toThrow(/no exported function missing/);
  });

  it('uses at most `size` threads and spreads work over them', async () => {
    const pool = make({ size: 2, tasksPerThread: 1 });
    const ids = await Promise.all(Array.from({ length: 8 }, () => pool.call<number>(TASKS, 'threadId', [])));
    expect(new Set(ids).size).toBe(2);
    expect(pool.stats.threads).toBe(2);
  });

  it('moves buffers both ways instead of copying them', async () => {
    const pool = make({ size: 1 });
    const input = new Uint8Array([1, 2, 3, 4]);
    const out = await pool.call<{ out: Uint8Array }>(TASKS, 'reversed', [input], [input.buffer]);
    expect(input.byteLength).toBe(0); // transferred away: detached here
    expect([...out.out]).toEqual([4, 3, 2, 1]);
  });

  it('shares SharedArrayBuffer-backed bytes with the thread without copying', async () => {
    const pool = make({ size: 1 });
    const bytes = allocShared(16);
    expect(isShared(bytes)).toBe(true);
    bytes[0] = 7;
    expect(await pool.call(TASKS, 'sharedInfo', [bytes])).toEqual({ shared: true, first: 7 });
    await pool.call(TASKS, 'writeShared', [bytes, 42]);
    expect(bytes[0]).toBe(42);
    expect(toShared(bytes)).toBe(bytes);
    const copy = toShared(Buffer.from('abc'));
    expect(isShared(copy)).toBe(true);
    expect(copy.toString()).toBe('abc');
  });

  it('terminates and replaces a thread whose task times out; the pool keeps working', async () => {
    const pool = make({ size: 1 });
    const started = Date.now();
    await expect(pool.call(TASKS, 'spin', [], [], { timeoutMs: 200 })).rejects.toBeInstanceOf(PoolTimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(pool.stats.replaced).toBe(1);
    expect(await pool.call(TASKS, 'add', [1, 1])).toBe(2);
  });

  it('a task aborted before its thread saw it costs no thread', async () => {
    const pool = make({ size: 1 });
    const stop = new AbortController();
    const spin = pool.call(TASKS, 'spin', [], [], { signal: stop.signal });
    stop.abort(new Error('never mind'));
    await expect(spin).rejects.toThrow('never mind');
    expect(pool.stats.replaced).toBe(0);
    expect(await pool.call(TASKS, 'add', [5, 5])).toBe(10);
  });

  it('an aborted signal stops a running task (thread replaced) and drops a waiting one (no thread lost)', async () => {
    const pool = make({ size: 1, tasksPerThread: 1 });
    const running = new AbortController();
    const waiting = new AbortController();
    const { spin, started } = announcedSpin(pool, { signal: running.signal });
    const queued = pool.call(TASKS, 'add', [1, 2], [], { signal: waiting.signal });
    expect(pool.stats.queued).toBe(1);
    waiting.abort(new Error('not needed'));
    await expect(queued).rejects.toThrow('not needed');
    expect(pool.stats.replaced).toBe(0);
    await started;
    running.abort(new Error('stop'));
    await expect(spin).rejects.toThrow('stop');
    expect(pool.stats.replaced).toBe(1);
    expect(await pool.call(TASKS, 'add', [2, 2])).toBe(4);
    await expect(pool.call(TASKS, 'add', [1, 1], [], { signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
  });

  it('small tasks queued behind a terminated task on the same thread are run again on its replacement', async () => {
    const pool = make({ size: 1, tasksPerThread: 4 });
    const stop = new AbortController();
    const { spin, started } = announcedSpin(pool, { signal: stop.signal });
    const data = Buffer.from('queued behind');
    const behind = pool.digest(data, ['md5']);
    expect(pool.stats.running).toBe(2);
    await started;
    stop.abort(new Error('stop'));
    await expect(spin).rejects.toThrow('stop');
    expect(await behind).toEqual([hex('md5', data)]);
  });

  it('a task whose moved buffers died with its thread fails with a clear code instead of hanging', async () => {
    const pool = make({ size: 1, tasksPerThread: 4 });
    const stop = new AbortController();
    const { spin, started } = announcedSpin(pool, { signal: stop.signal });
    const data = new Uint8Array([1, 2, 3]);
    const lost = pool.run({ op: 'digest', data, algorithms: ['md5'] }, [data.buffer]).catch((e: unknown) => e);
    await started;
    stop.abort(new Error('stop'));
    await expect(spin).rejects.toThrow('stop');
    expect(await lost).toMatchObject({ code: 'THREAD_TASK_LOST' });
  });

  it('heavy tasks never wait behind another task in a thread: they wait in the pool for a free one', async () => {
    const pool = make({ size: 1, tasksPerThread: 4 });
    const stop = new AbortController();
    const { spin, started } = announcedSpin(pool, { signal: stop.signal });
    const heavy = pool.call(TASKS, 'add', [1, 2]);
    expect(pool.stats).toMatchObject({ running: 1, queued: 1 });
    await started;
    stop.abort(new Error('stop'));
    await expect(spin).rejects.toThrow('stop');
    expect(await heavy).toBe(3);
  });

  it('many small tasks at once all get their own answers (they travel in batches)', async () => {
    const pool = make({ size: 2 });
    const inputs = Array.from({ length: 200 }, (_, i) => Buffer.from(`payload ${i}`));
    const digests = await Promise.all(inputs.map((d) => pool.digest(d, ['sha1', 'md5'])));
    for (const [i, d] of digests.entries()) expect(d).toEqual([hex('sha1', inputs[i]!), hex('md5', inputs[i]!)]);
  });

  it('a thread that dies fails its task and is replaced', async () => {
    const pool = make({ size: 1 });
    await expect(pool.call(TASKS, 'crash', [])).rejects.toThrow('uncaught in thread');
    expect(await pool.call(TASKS, 'add', [3, 4])).toBe(7);
    expect(pool.stats.replaced).toBe(1);
  });

  it('close fails waiting and running tasks and refuses new ones', async () => {
    const pool = make({ size: 1 });
    const spin = pool.call(TASKS, 'spin', []).catch((e: unknown) => e);
    await pool.close();
    expect(await spin).toBeInstanceOf(PoolClosedError);
    await expect(pool.digest(Buffer.from('x'), ['md5'])).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('rejects a bad size', () => {
    expect(() => new WorkerPool({ size: 0 })).toThrow(RangeError);
  });
});
