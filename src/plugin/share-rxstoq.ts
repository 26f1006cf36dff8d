import { realpathSync } from 'node:fs';
import { register } from 'node:module';
import { relative, isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RUNNING_FROM_SOURCE } from './bundled.js';

/** The running rxstoq package's folder (holding its package.json). */
const PACKAGE_ROOT = fileURLToPath(new URL(RUNNING_FROM_SOURCE ? '../../' : '../../../', import.meta.url));

let registered = false;

/**
 * Make `import ... from 'rxstoq'` in any module loaded from now on in this thread resolve to
 * the running rxstoq (see rxstoq-resolve-hook.ts). Done once per thread: hooks registered on
 * the main thread do not reach worker threads in Node 20.
 *
 * Only called before importing a module from outside this package: registering starts Node's
 * hooks thread (about 90 ms and 12 MB measured) and routes every later import through it,
 * which the bundled plugins (who reach rxstoq by self-reference anyway) need not pay. Under
 * vitest the sources run through its `rxstoq` alias instead, and Node could not load them.
 */
function shareRunningRxstoq(): void {
  if (registered || RUNNING_FROM_SOURCE) return;
  registered = true;
  register(new URL('./rxstoq-resolve-hook.js', import.meta.url));
}

function insidePackage(file: string): boolean {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    real = file;
  }
  const rel = relative(PACKAGE_ROOT, real);
  return !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(/[\\/]/).includes('node_modules');
}

/** Import a plugin module; one from outside this package gets the running rxstoq for `rxstoq`. */
export async function importPluginModule(modulePath: string): Promise<Record<string, unknown>> {
  if (!insidePackage(modulePath)) shareRunningRxstoq();
  return (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
}
