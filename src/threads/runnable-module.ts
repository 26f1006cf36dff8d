import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: two folders above this file in the sources, three in the build (dist/src/threads). */
const PACKAGE_ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../' : '../../../', import.meta.url));
const BUILD_DIR = join(PACKAGE_ROOT, 'dist');

/** A thread module that cannot run in a worker thread (TypeScript without a build, or missing). */
export class ThreadModuleError extends Error {
  readonly code = 'THREAD_MODULE_UNRUNNABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ThreadModuleError';
  }
}

/**
 * The file a worker thread can import for `module` (a path or file URL). Worker threads run
 * plain Node, which cannot load TypeScript: when this package runs from its sources (tests), a
 * module of the package — `x.ts`, or `x.js` named next to its `x.ts` source — runs from its
 * build under dist/ instead.
 */
export function runnableModule(module: string | URL): string {
  const path = typeof module === 'string' && !module.startsWith('file:') ? module : fileURLToPath(module);
  if (!isAbsolute(path)) throw new ThreadModuleError(`thread module must be an absolute path or a file URL, got ${path}`);
  if (!path.endsWith('.ts') && existsSync(path)) return path;
  const js = path.replace(/\.ts$/, '.js');
  const rel = relative(PACKAGE_ROOT, js);
  const inPackage = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`dist${sep}`);
  const built = inPackage ? join(BUILD_DIR, rel) : undefined;
  if (built && existsSync(built)) return built;
  if (path.endsWith('.ts')) {
    throw new ThreadModuleError(
      `worker threads cannot load TypeScript: ${path} needs its build${built ? ` (${built}, missing: run npm run build)` : ' (a compiled .js module)'}`,
    );
  }
  throw new ThreadModuleError(`thread module not found: ${path}${built ? ` (nor its build ${built}: run npm run build)` : ''}`);
}
