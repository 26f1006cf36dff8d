/**
 * The pool's requests. A task is either a built-in operation the thread knows (digests, the
 * engine's own need) or a call of an exported function of an ES module the thread imports once
 * and caches (`module` is a file URL or an absolute path).
 */
export type PoolTask =
  /** `giveBack`: `data` was moved here (a private copy); the thread moves it back when done. */
  { op: 'digest'; data: Uint8Array; algorithms: string[]; giveBack?: boolean } | { op: 'call'; module: string; fn: string; args: unknown[] };

export { TRANSFER } from '../threads/wire.js';
