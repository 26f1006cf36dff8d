import type { Dir } from 'node:fs';
import { opendir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A path as the walk found it: a string when the name is valid UTF-8, else the raw bytes (a
 * string would not name the file any more: invalid bytes decode to U+FFFD).
 */
export type FoundPath = string | Buffer;

const SLASH = Buffer.from('/');

function child(dir: FoundPath, name: Buffer): FoundPath {
  const text = name.toString('utf8');
  if (typeof dir === 'string' && Buffer.from(text, 'utf8').equals(name)) return join(dir, text);
  const base = Buffer.from(dir);
  return Buffer.concat(base.at(-1) === 0x2f ? [base, name] : [base, SLASH, name]);
}

/** A found path for messages and file names (invalid UTF-8 shown as U+FFFD). */
export const displayPath = (path: FoundPath): string => (typeof path === 'string' ? path : path.toString('utf8'));

/**
 * Files under `dir`, depth first, lazily: the directory is read only as fast as the consumer
 * pulls, so walking millions of files holds one directory handle per level, not a list.
 * Symlinks are not followed (a link loop or a link out of the tree must not be scanned). Entries
 * that are neither files, folders nor links (FIFOs, sockets, devices) are yielded too, so the
 * caller can report them as unreadable instead of losing them.
 */
export async function* walkFiles(dir: FoundPath, onError?: (path: string, err: Error) => void): AsyncGenerator<FoundPath> {
  let handle: Dir;
  try {
    handle = await opendir(dir, { encoding: 'buffer' as BufferEncoding });
  } catch (err) {
    onError?.(displayPath(dir), err as Error);
    return;
  }
  for await (const entry of handle) {
    const path = child(dir, entry.name as unknown as Buffer);
    if (entry.isDirectory()) yield* walkFiles(path, onError);
    else if (!entry.isSymbolicLink()) yield path;
  }
}
