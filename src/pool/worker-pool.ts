import type { ResourceLimits, TransferListItem } from 'node:worker_threads';
import { runnableModule } from '../threads/runnable-module.js';
import { ThreadHost, type ThreadHostStats } from '../threads/thread-host.js';
import type { PoolTask } from './protocol.js';
import { isShared } from './shared-bytes.js';

export interface WorkerPoolOptions {
  /** Threads at most; started on demand. Default: the number of cores. */
  size?: number;
  /**
   * Small tasks handed to one thread at a time (default 16): a thread starts its next task
   * without waiting for the caller to read its last answer, and tasks handed over together
   * travel in one message. Tasks still run one by one. Heavy tasks (module calls, digests of
   * 1 MiB or more) only go to a thread with nothing else to do, so none waits behind another.
   */
  tasksPerThread?: number;
  /** Memory caps for each thread (a thread that exceeds them dies; its task fails). */
  resourceLimits?: ResourceLimits;
  /** Thread name prefix, for debuggers and profiles. */
  name?: string;
}

export interface PoolRunOptions {
  /** Aborting it fails the task; a task already running has its thread terminated and replaced. */
  signal?: AbortSignal;
  /** Running time allowed (counted from when the task starts in its thread), then as if aborted. */
  timeoutMs?: number;
}

export type PoolStats = ThreadHostStats;

const POOL_THREAD = new URL('./pool-thread.js', import.meta.url);
const LIGHT_DIGEST = 1024 * 1024;
const isLight = (task: PoolTask) => task.op === 'digest' && task.data.byteLength < LIGHT_DIGEST;

/**
 * A pool of worker threads for CPU-bound work: digests, and calls of functions exported by
 * ES modules (imported once per thread). A ThreadHost serving the pool's thread module: `run`
 * takes a task, the buffers to move rather than copy, and a signal/timeout that terminates and
 * replaces the thread when the task must stop — the only way to stop CPU-bound code. Idle
 * threads do not keep the process alive.
 *
 * Bytes backed by a SharedArrayBuffer (see `allocShared`) are seen by the thread without any copy.
 *
 * @example
 * const pool = new WorkerPool({ size: 2 });
 * const [sha256] = await pool.digest(bytes, ['sha256']);
 * const out = await pool.run({ op: 'call', module: '/abs/task.js', fn: 'work', args: [input] }, [input.buffer], { timeoutMs: 5000 });
 */
export class WorkerPool extends ThreadHost<PoolTask, unknown> {
  constructor(options: WorkerPoolOptions = {}) {
    const perThread = options.tasksPerThread ?? 16;
    if (!Number.isInteger(perThread) || perThread < 1) throw new RangeError(`tasksPerThread must be at least 1, got ${perThread}`);
    super({
      module: POOL_THREAD,
      name: options.name ?? 'rxstoq-pool',
      size: options.size,
      depth: perThread,
      canWait: isLight,
      resourceLimits: options.resourceLimits,
    });
  }

  get tasksPerThread(): number {
    return this.depth;
  }

  /**
   * Hex digests of `data`, one per algorithm, computed in a pool thread. Bytes in shared memory
   * are read in place; other bytes are copied once into memory moved to the thread and back
   * (the caller's `data` is never detached).
   */
  digest(data: Uint8Array, algorithms: string[], options?: PoolRunOptions): Promise<string[]> {
    if (isShared(data)) return this.run<string[]>({ op: 'digest', data, algorithms }, undefined, options);
    const rebuild = () => {
      const copy = new Uint8Array(data);
      return { request: { op: 'digest', data: copy, algorithms, giveBack: true } as PoolTask, transfer: [copy.buffer] };
    };
    const first = rebuild();
    return super.run(first.request, first.transfer, { signal: options?.signal, timeoutMs: options?.timeoutMs, rebuild }) as Promise<string[]>;
  }

  /**
   * Call `fn` exported by the ES module `module` (absolute path or file URL) in a pool thread. A
   * TypeScript module of this package (a bundled plugin's, when running from the sources) runs from its build.
   */
  call<T>(module: string | URL, fn: string, args: unknown[], transferList?: readonly TransferListItem[], options?: PoolRunOptions): Promise<T> {
    let runnable: string;
    try {
      runnable = runnableModule(module);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run<T>({ op: 'call', module: runnable, fn, args }, transferList, options);
  }

  override run<T>(task: PoolTask, transferList?: readonly TransferListItem[], options?: PoolRunOptions): Promise<T> {
    return super.run(task, transferList, options) as Promise<T>;
  }
}
