import type { TransferListItem } from 'node:worker_threads';

/**
 * The messages between a ThreadHost and its threads. Requests and replies travel in batches,
 * laid out flat (`[id, request, id, request, …]`, `[id, ok, value, …]`) so a batch costs one
 * array, not one object per request: on a busy machine a message costs far more than a small
 * task, and the pool hands over many small tasks per event-loop turn.
 */

/** `workerData` of every hosted thread: the module it serves and what its `setup` receives. */
export interface ThreadBoot {
  /** Absolute path of the thread module (compiled JavaScript). */
  module: string;
  data: unknown;
}

export type ToThread =
  /** Requests in the order the thread must handle them: id, request, id, request, … */
  | { kind: 'run'; batch: unknown[] }
  /** Finish what is queued, run the module's `close`, then exit. */
  | { kind: 'close' };

export type FromThread =
  | { kind: 'ready' }
  /** The module could not be loaded or its `setup` threw: the thread serves nothing. */
  | { kind: 'failed'; error: ErrorShape }
  /**
   * Answers: id, ok, value (the result, or an ErrorShape when not ok), … `moved` lists the
   * buffers moved back with the batch; it is part of the message so buffers a request gave back
   * without naming them in its value still arrive (and are freed by the caller's collector).
   */
  | { kind: 'replies'; batch: unknown[]; moved?: TransferListItem[] }
  /** The module's `close` ran (or threw); the thread exits next. */
  | { kind: 'closed'; error?: ErrorShape };

/** An error as it crosses the thread boundary (structured clone keeps no class). */
export interface ErrorShape {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export function errorShape(err: unknown): ErrorShape {
  const e = err as { name?: unknown; message?: unknown; code?: unknown; stack?: unknown } | null;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    code: typeof e?.code === 'string' ? e.code : undefined,
    stack: typeof e?.stack === 'string' ? e.stack : undefined,
  };
}

/**
 * A thread module's result may carry this symbol, listing buffers to move back to the caller
 * instead of copying them (`result[TRANSFER] = [out.buffer]`). Symbols are not cloned, so the
 * list itself never travels. The name predates ThreadHost (the worker pool introduced it).
 */
export const TRANSFER = Symbol.for('rxstoq.pool.transfer');

/** The buffers a result asks to move back, if any. */
export function movedBy(value: unknown): TransferListItem[] | undefined {
  const list = value !== null && typeof value === 'object' ? (value as { [TRANSFER]?: unknown })[TRANSFER] : undefined;
  return Array.isArray(list) ? (list as TransferListItem[]) : undefined;
}
