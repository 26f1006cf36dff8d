import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/cli.js';

/** What `import 'rxstoq'` and `'rxstoq/operators'` must resolve to: the built package under test. */
export const RUNNING = {
  rxstoq: pathToFileURL(join(realpathSync(ROOT), 'dist', 'src', 'index.js')).href,
  operators: pathToFileURL(join(realpathSync(ROOT), 'dist', 'operators', 'index.js')).href,
};

/**
 * An environment for the CLI and npm: a fresh HOME (so npm's cache and ~/.stoq are the test's),
 * the given STOQ_HOME, npm kept offline (nothing is downloaded at test time) and none of the
 * npm_* settings of an `npm test` that runs us.
 */
export function isolatedEnv(home: string, stoqHome: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(STOQ_|npm_)/i.test(k)) env[k] = v;
  return { ...env, HOME: home, ...(stoqHome ? { STOQ_HOME: stoqHome } : {}), npm_config_offline: 'true', npm_config_update_notifier: 'false' };
}

export interface FixturePlugin {
  /** Folder inside the package (as listed in `stoq.plugins`). */
  dir: string;
  name: string;
  version?: string;
  /** What the worker reports, so a test can tell which copy of a plugin ran. */
  says: string;
  /** More manifest lines (`isolation: thread`). */
  manifestExtra?: string;
}

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/**
 * A plugin folder: manifest plus an ESM worker that imports the framework by its package name,
 * as a published plugin would, and reports where `rxstoq` resolved to.
 */
export function writePlugin(dir: string, plugin: Omit<FixturePlugin, 'dir'>): void {
  write(
    join(dir, `${plugin.name}.stoq.yaml`),
    `name: ${plugin.name}\nmodule: ${plugin.name}\nversion: ${plugin.version ?? '1.0'}\ndescription: says ${plugin.says}\n${plugin.manifestExtra ?? ''}`,
  );
  write(
    join(dir, `${plugin.name}.js`),
    [
      `import { WorkerPlugin, VERSION } from 'rxstoq';`,
      `import * as operators from 'rxstoq/operators';`,
      `export class Fixture extends WorkerPlugin {`,
      `  scan() {`,
      `    return { results: { says: ${JSON.stringify(plugin.says)}, rxstoq: import.meta.resolve('rxstoq'), operators: import.meta.resolve('rxstoq/operators'),`,
      `      version: VERSION, operatorExports: Object.keys(operators).length > 0 } };`,
      `  }`,
      `}`,
      '',
    ].join('\n'),
  );
}

/** A package folder (package.json with a `stoq` field unless `stoq` is undefined) and its plugins. */
export function writePackage(
  root: string,
  pkg: { name: string; version?: string; stoq?: unknown; extra?: Record<string, unknown> },
  plugins: FixturePlugin[] = [],
): string {
  const manifest: Record<string, unknown> = { name: pkg.name, version: pkg.version ?? '1.0.0', type: 'module', ...pkg.extra };
  if (pkg.stoq !== undefined) manifest['stoq'] = pkg.stoq;
  write(join(root, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const p of plugins) writePlugin(join(root, p.dir), p);
  return root;
}

/** A project: package.json declaring `dependencies`, each installed under node_modules/. */
export function writeProject(root: string, dependencies: string[], extra: Record<string, unknown> = {}): string {
  const deps = Object.fromEntries(dependencies.map((d) => [d, '*']));
  write(join(root, 'package.json'), `${JSON.stringify({ name: 'a-project', private: true, dependencies: deps, ...extra }, null, 2)}\n`);
  return root;
}
