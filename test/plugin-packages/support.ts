import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface FixturePlugin {
  /** Folder inside the package (as listed in `stoq.plugins`). */
  dir: string;
  name: string;
  version?: string;
  /** What the worker reports, so a test can tell which copy of a plugin ran. */
  says: string;
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
  write(join(dir, `${plugin.name}.stoq.yaml`), `name: ${plugin.name}\nmodule: ${plugin.name}\nversion: ${plugin.version ?? '1.0'}\ndescription: says ${plugin.says}\n`);
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
export function writePackage(root: string, pkg: { name: string; version?: string; stoq?: unknown; extra?: Record<string, unknown> }, plugins: FixturePlugin[] = []): string {
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
