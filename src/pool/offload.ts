import { z } from 'zod';
import { isShared } from './shared-bytes.js';
import { sharedPool, sharedPoolEnabled } from './shared-pool.js';

/**
 * The options of a plugin that hands big payloads to the shared worker-thread pool; spread them
 * into its schema (`z.object({ ...poolOffloadOptions, ... })`) and pass `this.options` to
 * `inlineOrPooled`.
 */
export const poolOffloadOptions = {
  /** Payloads of at least this many bytes are processed in the worker-thread pool; smaller ones inline. */
  pool_min_size: z
    .number()
    .int()
    .nonnegative()
    .default(1024 * 1024),
  /** Use the worker-thread pool at all. */
  use_pool: z.boolean().default(true),
};

/** A function of a module that the pool's threads can import, and the same function to run inline. */
export interface PooledFunction<T> {
  /** The module's URL (a `.ts` source runs from its build, as the pool does for its own modules). */
  module: URL;
  /** The exported function, called as `fn(bytes, ...args)`. */
  fn: string;
  args?: unknown[];
  /** The same function, imported by the plugin, for payloads processed inline. */
  inline: (bytes: Uint8Array) => T;
}

/**
 * Run a byte-crunching function on a payload's bytes: inline, synchronously, below
 * `pool_min_size` (handing a small payload to a thread costs more than processing it), else in
 * the shared pool so the main thread goes on with other payloads. Shared memory is read in place;
 * other bytes are copied once (exactly the payload's bytes, not the whole buffer a view sits in)
 * and that copy is moved to the thread. `signal` is read only on the pool path: making a call's
 * AbortSignal costs more than a small payload's work.
 */
export function inlineOrPooled<T>(
  content: Uint8Array,
  options: { pool_min_size: number; use_pool: boolean },
  call: PooledFunction<T>,
  signal: () => AbortSignal,
): T | Promise<T> {
  if (!options.use_pool || content.byteLength < options.pool_min_size || !sharedPoolEnabled()) return call.inline(content);
  const bytes = isShared(content) ? content : new Uint8Array(content);
  const transfer = isShared(bytes) ? [] : [bytes.buffer as ArrayBuffer];
  return sharedPool().call<T>(call.module, call.fn, [bytes, ...(call.args ?? [])], transfer, { signal: signal() });
}
