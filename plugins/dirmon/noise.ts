import { relative, sep } from 'node:path';

/** Folders whose contents are never payloads: version control, dependencies, caches, IDE state. */
const NOISE_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '__pycache__', 'site-packages', '.idea']);

/**
 * Files editors and tools create and remove around real saves: vim swap files and its `4913`
 * write test, backups (`x~`), emacs lock files (`.#x`), temporaries, Python bytecode and
 * JetBrains' safe-write copies.
 */
const NOISE_FILES = [/\.sw[a-z]$/, /~$/, /\.tmp$/i, /^\.#/, /^4913$/, /\.py[cod]$/, /\.___jb_\w+___$/];

/**
 * Whether `path` (inside `root`) is editor or tool noise. Only the part below `root` is looked at,
 * so a watched folder that itself lives under, say, node_modules still works.
 */
export function isNoise(root: string, path: string): boolean {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..')) return false;
  const parts = rel.split(sep);
  const name = parts[parts.length - 1]!;
  return parts.some((p) => NOISE_DIRS.has(p)) || NOISE_FILES.some((re) => re.test(name));
}
