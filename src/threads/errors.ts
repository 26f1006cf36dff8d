import type { ResourceLimits } from 'node:worker_threads';
import type { ErrorShape } from './wire.js';

/** An error thrown by a thread module's `handle`, rebuilt on the caller's side. */
export class ThreadTaskError extends Error {
  readonly code?: string;
  constructor(shape: ErrorShape) {
    super(shape.message);
    this.name = shape.name;
    if (shape.code !== undefined) this.code = shape.code;
    if (shape.stack) this.stack = shape.stack;
  }
}

/** The request ran past its `timeoutMs`; its thread was terminated (and is replaced on demand). */
export class ThreadTimeoutError extends Error {
  readonly code = 'THREAD_TASK_TIMEOUT';
  constructor(host: string, ms: number) {
    super(`${host}: the request did not finish within ${ms} ms; its thread was terminated`);
    this.name = 'ThreadTimeoutError';
  }
}

/** The host was closed before the request finished, or the request came after. */
export class ThreadClosedError extends Error {
  readonly code = 'THREAD_HOST_CLOSED';
  constructor(host: string) {
    super(`${host} is closed`);
    this.name = 'ThreadClosedError';
  }
}

/** The thread died (uncaught error, memory cap, exit) while it was running the request. */
export class ThreadCrashedError extends Error {
  readonly code = 'THREAD_CRASHED';
  constructor(thread: string, cause: string, options?: ErrorOptions) {
    super(`thread ${thread} died while running the request: ${cause}`, options);
    this.name = 'ThreadCrashedError';
  }
}

/**
 * The thread hit its memory cap (`resourceLimits`) while running the request and was stopped by
 * V8; it is replaced on demand. The engine records a plugin call that failed this way as
 * `PLUGIN_OUT_OF_MEMORY`.
 */
export class ThreadOutOfMemoryError extends Error {
  readonly code = 'THREAD_OUT_OF_MEMORY';
  constructor(thread: string, limits: ResourceLimits | undefined, options?: ErrorOptions) {
    const cap = limits?.maxOldGenerationSizeMb === undefined ? '' : ` (heap limit ${limits.maxOldGenerationSizeMb} MB)`;
    super(`thread ${thread} ran out of memory${cap} while running the request; it was stopped and will be replaced`, options);
    this.name = 'ThreadOutOfMemoryError';
  }
}

/**
 * A thread could not start: its module failed to load, has no `handle`, or its `setup` threw.
 * The message is the thread's own (a plugin's load error reads as it would in-process).
 */
export class ThreadStartError extends Error {
  readonly code = 'THREAD_START_FAILED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ThreadStartError';
  }
}

/**
 * The request had been handed to a thread that was then terminated before running it, and the
 * buffers it moved there went with that thread, so it cannot be sent again.
 */
export class ThreadTaskLostError extends Error {
  readonly code = 'THREAD_TASK_LOST';
  constructor(host: string) {
    super(`${host}: the request's thread was terminated before it ran, and the buffers it moved there went with it`);
    this.name = 'ThreadTaskLostError';
  }
}
