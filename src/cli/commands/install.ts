import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Command } from 'commander';
import { createLogger } from '../../log/logger.js';
import { discoverPlugins } from '../../plugin/discovery.js';
import { type PluginPackage, readPluginPackage } from '../../plugin/package-discovery.js';
import { CliError } from '../cli-error.js';
import { runNpm } from '../npm.js';
import { homeDependencies, homeTarballDir, pruneHomeTarballs, stoqHomeProject } from '../stoq-home.js';
import { writeOut } from '../write-out.js';

const TARBALL = /\.(tgz|tar\.gz|tar)$/;

/** npm reads a spec as a path when it looks like one; so do we (a bare name is a registry package). */
const looksLikePath = (spec: string) => /^(\.{1,2}([\\/]|$)|[\\/]|~[\\/])/.test(spec) || TARBALL.test(spec);

export function installCommand(): Command {
  return new Command('install')
    .description('install a plugin package into $STOQ_HOME with npm; its plugins then work from any folder')
    .argument('<spec>', 'an npm package (name, name@version), a package tarball (.tgz) or a package folder (./path)')
    .action(async (spec: string) => {
      const home = stoqHomeProject();
      const before = homeDependencies(home);
      try {
        const target = looksLikePath(spec) ? await keepLocalPackage(spec, home) : spec;
        await runNpm(['install', '--prefix', home, '--no-audit', '--no-fund', target], `npm install ${spec}`);
      } finally {
        // A kept tarball that npm did not take, or one an upgrade replaced, goes.
        pruneHomeTarballs(home);
      }
      const after = homeDependencies(home);
      const installed = Object.keys(after).filter((name) => after[name] !== before[name]);
      // Reinstalling the same spec changes nothing in package.json: name it from the spec.
      if (installed.length === 0) installed.push(...Object.keys(after).filter((name) => spec === name || spec.startsWith(`${name}@`)));
      if (installed.length === 0) throw new CliError(`npm install ${spec} succeeded, but no package was added to ${join(home, 'package.json')}`, 1);
      const problems: string[] = [];
      let text = '';
      for (const name of installed) {
        const line = describeInstalled(join(home, 'node_modules', name), name, home);
        text += `${line.text}\n`;
        if (line.problem) problems.push(line.problem);
      }
      await writeOut(process.stdout, text);
      if (problems.length > 0) throw new CliError(`${problems.join('; ')} (remove it with: stoq uninstall NAME)`, 1);
    });
}

/**
 * A folder is packed (running its `prepack` build, honouring its `files`) and a tarball copied
 * into $STOQ_HOME/packages, which npm then installs from: the home keeps working when the
 * original folder or download is moved or deleted, and gets what publishing would ship.
 */
async function keepLocalPackage(spec: string, home: string): Promise<string> {
  const source = resolve(spec.replace(/^~(?=[\\/])/, process.env['HOME'] ?? '~'));
  if (!existsSync(source)) throw new CliError(`Cannot install ${spec}: ${source} does not exist`, 1);
  const kept = homeTarballDir(home);
  mkdirSync(kept, { recursive: true });
  if (!statSync(source).isDirectory()) {
    if (!TARBALL.test(source)) throw new CliError(`Cannot install ${spec}: expected a package folder or a tarball (.tgz), got ${source}`, 1);
    const file = join(kept, basename(source).replace(TARBALL, '.tgz'));
    copyFileSync(source, file);
    return file;
  }
  if (!existsSync(join(source, 'package.json'))) {
    throw new CliError(
      `Cannot install ${spec}: ${source} has no package.json. A plugin package needs one (stoq new-plugin makes one); a plain plugin folder works from $STOQ_HOME/plugins or --plugin-dir`,
      1,
    );
  }
  const staging = mkdtempSync(join(kept, '.pack-'));
  try {
    await runNpm(['pack', source, '--pack-destination', staging], `npm pack ${spec}`);
    const [tarball] = readdirSync(staging).filter((f) => f.endsWith('.tgz'));
    if (!tarball) throw new CliError(`npm pack ${spec} made no tarball`, 1);
    const file = join(kept, tarball);
    renameSync(join(staging, tarball), file);
    return file;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** One line saying what was installed and which plugins it brings, or what is wrong with it. */
function describeInstalled(dir: string, name: string, home: string): { text: string; problem?: string } {
  let pkg: PluginPackage | undefined;
  try {
    pkg = readPluginPackage(dir);
  } catch (err) {
    return { text: `installed ${name} in ${home}, but its plugins cannot be used`, problem: (err as Error).message };
  }
  if (!pkg) {
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
    return {
      text: `installed ${name}@${version ?? '?'} in ${home}: it has no "stoq" field, so it adds no plugins (plugins in $STOQ_HOME/plugins can import it)`,
    };
  }
  // Warnings (a manifest that does not parse, a module not built) go to stderr as the scan would log them.
  const plugins = [
    ...discoverPlugins(
      pkg.pluginDirs.map((d) => ({ dir: d, source: { kind: 'package', package: pkg.name, version: pkg.version } })),
      createLogger({ level: 'warn' }),
    ).keys(),
  ];
  if (plugins.length === 0) {
    return {
      text: `installed ${pkg.name}@${pkg.version} in ${home}, but it holds no usable plugin`,
      problem: `${pkg.name}: no plugin manifest with its module was found in ${pkg.pluginDirs.join(', ')}`,
    };
  }
  return { text: `installed ${pkg.name}@${pkg.version} in ${home}: plugins ${plugins.sort().join(', ')}` };
}
