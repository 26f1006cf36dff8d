import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Write `data` to `path` so that no reader ever sees a partial file, an existing file is never
 * replaced, and the file is on disk before this resolves: the bytes go to a hidden temporary
 * name in the same folder and are fsynced, the temporary file is hard-linked to `path` (link
 * fails atomically if `path` exists) and removed, then the folder is fsynced so the new name
 * survives a power loss too. Only then may a queue entry whose result this is be acknowledged.
 * Returns false when `path` already existed (nothing was changed).
 */
export async function publishFile(path: string, data: string | Uint8Array): Promise<boolean> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    if (!(await linkInPlace(temp, path))) return false;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDir(dir);
  return true;
}

/** True once `temp` is also `path`; false when `path` already existed. */
async function linkInPlace(temp: string, path: string): Promise<boolean> {
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    // No hard links on this file system: rename is still atomic, only the existence check is not.
    if (await exists(path)) return false;
    await rename(temp, path);
    return true;
  }
}

/**
 * `mkdir -p dir`, made durable: each folder it created is recorded in its parent's entries, so
 * each parent of a new folder is fsynced (the deepest folder itself is fsynced by publishFile).
 */
export async function makeDirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const parents: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    parents.push(dirname(d));
    if (d === first || dirname(d) === d) break;
  }
  for (const parent of parents) await syncDir(parent);
}

/** fsync a folder, which makes the names created or removed in it durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
