import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { z } from 'zod';
import { RUNNING_FROM_SOURCE } from '../../plugin/bundled.js';
import { STOQ_API_VERSION, VERSION } from '../../version.js';
import { CliError } from '../cli-error.js';
import { writeOut } from '../write-out.js';

/** The package root (`templates/` ships beside `dist/`), from src/cli/commands or dist/src/cli/commands. */
const PACKAGE_ROOT = fileURLToPath(new URL(RUNNING_FROM_SOURCE ? '../../../' : '../../../../', import.meta.url));
const TEMPLATE_DIR = join(PACKAGE_ROOT, 'templates', 'plugin-package');

// A plugin name is also a folder, a file and (capitalised) a class name.
const PluginName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a plugin name starts with a letter and holds only letters, digits, "_" and "-"');
// npm's rules for new package names: lower case, URL-safe, at most 214 characters.
const PackageName = z
  .string()
  .max(214, 'an npm package name has at most 214 characters')
  .regex(
    /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/,
    'an npm package name is lower case: letters, digits, "-", ".", "_", "~", optionally @scope/',
  );

/** `my_plugin` → `MyPluginPlugin`: the class the template declares. */
function className(plugin: string): string {
  return `${plugin
    .split(/[_-]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')}Plugin`;
}

function parse<T>(schema: z.ZodType<T>, value: string, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new CliError(`Invalid ${what} "${value}": ${result.error.issues[0]!.message}`);
  return result.data;
}

function* templateFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* templateFiles(full);
    else yield full;
  }
}

/** The versions rxstoq itself is developed with, so a new plugin starts from a set known to work. */
function devRanges(): Record<string, string> {
  const own = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const dev = own.devDependencies ?? {};
  return {
    __TYPES_NODE_RANGE__: dev['@types/node'] ?? '^20.19.0',
    __TYPESCRIPT_RANGE__: dev['typescript'] ?? 'latest',
    __VITEST_RANGE__: dev['vitest'] ?? 'latest',
  };
}

export function newPluginCommand(): Command {
  return new Command('new-plugin')
    .description('create a plugin package: a TypeScript worker, its manifest, a vitest test and a README, ready to build, install and publish')
    .argument('<name>', 'the plugin name (what -a NAME and stoq list use)')
    .option('--dir <dir>', 'folder to create (default: ./stoq-plugin-NAME)')
    .option('--package-name <name>', 'npm package name (default: stoq-plugin-NAME)')
    .action(async (rawName: string, flags: { dir?: string; packageName?: string }) => {
      const plugin = parse(PluginName, rawName, 'plugin name');
      const packageName = parse(PackageName, flags.packageName ?? `stoq-plugin-${plugin.toLowerCase()}`, 'package name');
      const target = resolve(flags.dir ?? `stoq-plugin-${plugin.toLowerCase()}`);
      if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0)) {
        throw new CliError(`Cannot create the plugin package in ${target}: it exists and is not an empty folder`, 1);
      }
      const values: Record<string, string> = {
        __PLUGIN_NAME__: plugin,
        __PACKAGE_NAME__: packageName,
        __CLASS_NAME__: className(plugin),
        __RXSTOQ_RANGE__: `^${VERSION}`,
        __STOQ_API_VERSION__: STOQ_API_VERSION,
        ...devRanges(),
      };
      const fill = (text: string) => text.replace(/__[A-Z_]+__/g, (token) => values[token] ?? token);
      const written: string[] = [];
      for (const file of templateFiles(TEMPLATE_DIR)) {
        // npm never ships a file called .gitignore, so the template's is stored without the dot.
        const rel = fill(relative(TEMPLATE_DIR, file)).replace(/^gitignore$/, '.gitignore');
        const out = join(target, rel);
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, fill(readFileSync(file, 'utf8')));
        written.push(rel);
      }
      written.sort();
      const shown = relative(process.cwd(), target) || '.';
      await writeOut(
        process.stdout,
        `created ${packageName} in ${target}:\n${written.map((f) => `  ${f}\n`).join('')}` +
          `next:\n  cd ${shown} && npm install && npm test\n  stoq install ${shown.startsWith('.') || shown.startsWith('/') ? shown : `./${shown}`}\n  stoq scan FILE -a ${plugin}\n`,
      );
    });
}
