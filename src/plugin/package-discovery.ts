import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { formatZodIssues } from './manifest.js';

/**
 * The `stoq` field of a plugin package's package.json: folders (relative to the package) that
 * hold plugin manifests. Strict, so a misspelt key ("plugin") is reported instead of ignored.
 */
const StoqFieldSchema = z
  .object({
    plugins: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .refine((p) => !isAbsolute(p), 'must be a path relative to the package'),
      )
      .min(1, 'must list at least one plugin folder'),
  })
  .strict();

const PackageJsonSchema = z.object({
  name: z.string().min(1).optional(),
  version: z.string().default(''),
  stoq: z.unknown().optional(),
  dependencies: z.record(z.string(), z.string()).optional(),
  devDependencies: z.record(z.string(), z.string()).optional(),
  optionalDependencies: z.record(z.string(), z.string()).optional(),
});

export interface PluginPackage {
  /** The package's name and version, from its package.json. */
  name: string;
  version: string;
  /** Its folder (symlinks resolved). */
  root: string;
  /** The plugin folders its `stoq.plugins` lists, resolved and checked to exist. */
  pluginDirs: string[];
}

export interface PackageScan {
  packages: PluginPackage[];
  /** Packages whose `stoq` field or plugin folders are wrong, one message each naming the package. */
  problems: string[];
}

/** `$STOQ_HOME`, or `~/.stoq` when it is not set; whether it exists is for the caller to care. */
export function stoqHomeDir(env: NodeJS.ProcessEnv = process.env): string {
  const set = env['STOQ_HOME'];
  return set ? resolve(set) : join(env['HOME'] || homedir(), '.stoq');
}

/** The folder of the nearest package.json at or above `from`, or undefined outside any project. */
export function nearestProjectDir(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function readPackageJson(file: string): z.infer<typeof PackageJsonSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const pkg = PackageJsonSchema.safeParse(raw);
  if (!pkg.success) throw new Error(`${file}: ${formatZodIssues(pkg.error)}`);
  return pkg.data;
}

/** Where Node would find `name` from `dir`: the first node_modules/<name> on the way up. */
function installedPackageDir(dir: string, name: string): string | undefined {
  for (let d = dir; ; ) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/**
 * Read one package folder as a plugin package. Undefined when its package.json has no `stoq`
 * field (an ordinary dependency); throws an Error naming the package when the field is wrong.
 */
export function readPluginPackage(packageDir: string): PluginPackage | undefined {
  const root = realpathSync(packageDir);
  const file = join(root, 'package.json');
  const { name, version, stoq } = readPackageJson(file);
  if (stoq === undefined) return undefined;
  if (!name) throw new Error(`${file}: a plugin package needs a "name"`);
  const field = StoqFieldSchema.safeParse(stoq);
  if (!field.success) throw new Error(`package ${name}@${version} (${file}): invalid "stoq" field: ${formatZodIssues(field.error)}`);
  const pluginDirs: string[] = [];
  for (const entry of field.data.plugins) {
    const dir = resolve(root, entry);
    const rel = relative(root, dir);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new Error(`package ${name}@${version} (${file}): "stoq.plugins" entry "${entry}" points outside the package`);
    }
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new Error(`package ${name}@${version} (${file}): "stoq.plugins" entry "${entry}" is not a folder in the package`);
    }
    pluginDirs.push(dir);
  }
  return { name, version, root, pluginDirs };
}

/**
 * Plugin packages among the dependencies that each project in `projectDirs` declares in its
 * package.json (dependencies, optionalDependencies, devDependencies) and has installed, found
 * the way Node resolves them (the nearest node_modules upward). A project that is itself a
 * plugin package counts too, after its dependencies. Later projects come later in the result,
 * so the caller can let them override earlier ones. A bad package is reported in `problems`
 * and skipped; it never stops the others being found.
 */
export function findPluginPackages(projectDirs: string[], problems: string[] = []): PackageScan {
  const packages: PluginPackage[] = [];
  const seenProjects = new Set<string>();
  for (const project of projectDirs) {
    const manifestFile = join(project, 'package.json');
    if (!existsSync(manifestFile)) continue;
    const real = realpathSync(project);
    if (seenProjects.has(real)) continue;
    seenProjects.add(real);
    let declared: string[];
    try {
      const pkg = readPackageJson(manifestFile);
      declared = [...new Set([pkg.dependencies, pkg.optionalDependencies, pkg.devDependencies].flatMap((d) => Object.keys(d ?? {})))].sort();
    } catch (err) {
      problems.push(`cannot read the dependencies of ${project}: ${(err as Error).message}`);
      continue;
    }
    for (const name of declared) {
      const dir = installedPackageDir(real, name);
      if (!dir) continue; // Declared but not installed (an optional dependency, or npm not run yet).
      collect(dir, packages, problems);
    }
    collect(real, packages, problems);
  }
  return { packages, problems };
}

function collect(dir: string, into: PluginPackage[], problems: string[]): void {
  try {
    const found = readPluginPackage(dir);
    if (found && !into.some((p) => p.root === found.root)) into.push(found);
  } catch (err) {
    problems.push((err as Error).message);
  }
}
