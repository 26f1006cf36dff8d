import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { formatZodIssues } from '../plugin/manifest.js';
import { stoqHomeDir } from '../plugin/package-discovery.js';
import { CliError } from './cli-error.js';

const HomePackageSchema = z.object({ dependencies: z.record(z.string(), z.string()).optional() });

/**
 * `$STOQ_HOME`, default `~/.stoq`. A STOQ_HOME that is set but missing is an error (as upstream);
 * a missing default is fine: the CLI then runs with built-in defaults and the bundled plugins.
 */
export function stoqHome(env: NodeJS.ProcessEnv = process.env): string {
  const dir = stoqHomeDir(env);
  if (env['STOQ_HOME'] && (!existsSync(dir) || !statSync(dir).isDirectory())) {
    throw new CliError(`$STOQ_HOME is invalid, exiting: ${dir} is not a directory`, 1);
  }
  return dir;
}

/**
 * The home as an npm project for `stoq install`: the folder (the default ~/.stoq is created on
 * first use) and a private package.json, whose dependencies are the installed plugin packages.
 */
export function stoqHomeProject(env: NodeJS.ProcessEnv = process.env): string {
  const home = stoqHome(env);
  mkdirSync(home, { recursive: true });
  const manifest = join(home, 'package.json');
  if (!existsSync(manifest)) {
    const pkg = { name: 'stoq-home', private: true, description: 'Plugin packages installed by `stoq install`', dependencies: {} };
    writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
  }
  return home;
}

/** The home's dependencies (what `stoq install` put there), name → spec; empty without a package.json. */
export function homeDependencies(home: string): Record<string, string> {
  const file = join(home, 'package.json');
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${(err as Error).message}`, 1);
  }
  const parsed = HomePackageSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(`${file}: ${formatZodIssues(parsed.error)}`, 1);
  return parsed.data.dependencies ?? {};
}

/** Where `stoq install` keeps the tarballs of folders and files it installed (npm refers to them). */
export function homeTarballDir(home: string): string {
  return join(home, 'packages');
}

/** Delete kept tarballs no dependency refers to any more (after an upgrade or an uninstall). */
export function pruneHomeTarballs(home: string): void {
  const dir = homeTarballDir(home);
  if (!existsSync(dir)) return;
  const used = new Set(Object.values(homeDependencies(home)).map((spec) => spec.replace(/^file:/, '')));
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.tgz') && !used.has(`packages/${name}`)) rmSync(join(dir, name), { force: true });
  }
}
