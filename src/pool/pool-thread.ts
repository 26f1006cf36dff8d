import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TRANSFER } from '../threads/wire.js';
import type { PoolTask } from './protocol.js';

/** The pool's thread module (see ThreadModule): digests, and calls of exported module functions. */
const modules = new Map<string, Promise<Record<string, unknown>>>();

const load = (specifier: string) => {
  const url = isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier;
  let mod = modules.get(url);
  if (!mod) {
    mod = import(url) as Promise<Record<string, unknown>>;
    modules.set(url, mod);
    mod.catch(() => modules.delete(url));
  }
  return mod;
};

async function call(task: Extract<PoolTask, { op: 'call' }>): Promise<unknown> {
  const mod = await load(task.module);
  const fn = mod[task.fn];
  if (typeof fn !== 'function') throw new TypeError(`${task.module} has no exported function ${task.fn}`);
  return await (fn as (...a: unknown[]) => unknown)(...task.args);
}

/** Digests are computed synchronously: no promise, no turn of the microtask queue per small task. */
export function handle(task: PoolTask): unknown {
  if (task.op === 'digest') {
    const digests: string[] & { [TRANSFER]?: ArrayBuffer[] } = task.algorithms.map((a) => createHash(a).update(task.data).digest('hex'));
    // Memory the caller moved here goes back, so the caller's collector frees it (a thread's
    // heap is small and collected rarely: memory left here piles up).
    if (task.giveBack && task.data.buffer instanceof ArrayBuffer) digests[TRANSFER] = [task.data.buffer];
    return digests;
  }
  if (task.op === 'call') return call(task);
  throw new TypeError(`unknown pool task ${(task as { op?: unknown }).op}`);
}
