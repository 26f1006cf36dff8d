import { opendir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Regular files under `dir`, depth first, lazily: the directory is read only as fast as the
 * consumer pulls, so walking millions of files holds one directory handle per level, not a list.
 * Symlinks are not followed (a link loop or a link out of the tree must not be scanned).
 */
export async function* walkFiles(dir: string, onError?: (path: string, err: Error) => void): AsyncGenerator<string> {
  let handle;
  try {
    handle = await opendir(dir);
  } catch (err) {
    onError?.(dir, err as Error);
    return;
  }
  for await (const entry of handle) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(path, onError);
    else if (entry.isFile()) yield path;
  }
}
