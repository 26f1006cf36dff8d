import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Regular files under `dir` (and its subfolders with `recursive`), one folder listing at a time,
 * in name order. Names starting with "." are skipped, files and folders alike; symbolic links to
 * files are followed, links to folders are not descended (no loops).
 */
export async function* sourceFiles(dir: string, recursive: boolean): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isFile()) yield path;
    else if (entry.isDirectory() && recursive) yield* sourceFiles(path, recursive);
    else if (
      entry.isSymbolicLink() &&
      (await stat(path).then(
        (s) => s.isFile(),
        () => false,
      ))
    )
      yield path;
  }
}
