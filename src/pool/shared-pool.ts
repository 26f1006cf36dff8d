import { WorkerPool, type PoolStats } from './worker-pool.js';

/**
 * One pool per process: cores are a process-wide resource, so several Stoq instances (or
 * plugins) sharing one pool never oversubscribe them.
 */
let pool: WorkerPool | undefined;
let configuredSize: number | undefined;

let disabled = false;

/**
 * Whether plugins should hand work to the shared pool. False inside threads that already run a
 * whole scan pipeline each (`stoq scan DIR` with several threads): the cores are busy already.
 */
export function sharedPoolEnabled(): boolean {
  return !disabled;
}

/** Turn the shared pool off for this thread (plugins then do their work inline). */
export function disableSharedPool(): void {
  disabled = true;
}

/** The process-wide pool, started on first use (its threads start on first task). */
export function sharedPool(): WorkerPool {
  return (pool ??= new WorkerPool({ size: configuredSize, name: 'rxstoq-pool' }));
}

/** The shared pool's load, or undefined while nothing has used it. */
export function sharedPoolStats(): PoolStats | undefined {
  return pool?.stats;
}

/**
 * Set the shared pool's size (core config `pool_size`, `--pool-size`). An idle pool of another
 * size is replaced; one with work in hand keeps its size until it is closed.
 */
export function configureSharedPool(options: { size?: number }): void {
  if (options.size === undefined) return;
  if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`pool size must be a whole number of at least 1, got ${options.size}`);
  configuredSize = options.size;
  if (pool && pool.size !== options.size) {
    const { running, queued } = pool.stats;
    if (running + queued === 0) {
      void pool.close();
      pool = undefined;
    }
  }
}

/** Terminate the shared pool's threads (a later `sharedPool()` starts a new one). */
export async function closeSharedPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.close();
}
