/**
 * Messages between a WorkerPool and its threads. A task is either a built-in operation the
 * thread runtime knows (digests, the engine's own need) or a call of an exported function of an
 * ES module the thread imports once and caches (`module` is a file URL or an absolute path).
 */
export type PoolTask =
  /** `giveBack`: `data` was moved here (a private copy); the thread moves it back when done. */
  | { op: 'digest'; data: Uint8Array; algorithms: string[]; giveBack?: boolean }
  | { op: 'call'; module: string; fn: string; args: unknown[] };

export interface TaskMessage {
  id: number;
  task: PoolTask;
}

/**
 * Both directions carry batches: tasks handed over in one turn of the caller's event loop go in
 * one message, and a thread answers finished tasks together while more are queued. Messages,
 * not tasks, are what cost (each one may wake a sleeping thread), so small tasks batch well.
 */
export type TaskBatch = TaskMessage[];
export type ReplyBatch = ReplyMessage[];

export interface ErrorShape {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/**
 * `returned`: memory the task moved in and the thread hands back, so it is freed by the caller's
 * garbage collector (a thread's heap is small and collected rarely: memory left there piles up).
 */
export type ReplyMessage = ({ id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorShape }) & { returned?: ArrayBuffer };

/**
 * A module task may set this symbol on the object it returns, listing buffers to move back to
 * the caller instead of copying them (`result[TRANSFER] = [out.buffer]`). Symbols are not cloned,
 * so the list itself never travels.
 */
export const TRANSFER = Symbol.for('rxstoq.pool.transfer');
