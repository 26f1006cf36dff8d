import { Command } from 'commander';
import type { PluginSource } from '../../plugin/discovery.js';
import { Stoq } from '../../stoq.js';
import { VERSION } from '../../version.js';
import { stoqHome } from '../stoq-home.js';
import { writeOut } from '../write-out.js';

/** "bundled", "package NAME@VERSION" or "folder DIR". */
function describeSource(source: PluginSource): string {
  if (source.kind === 'package') return `package ${source.package}@${source.version}`;
  if (source.kind === 'folder') return `folder ${source.dir}`;
  return 'bundled';
}

export function listCommand(): Command {
  return new Command('list')
    .description('list the plugins in the plugin path, with their roles, versions and where each comes from')
    .option('--plugin-dir <dirs...>', 'plugin directories (replace the configured list)')
    .option('--config-file <path>', 'config file')
    .option('--json', 'print one JSON object: name → {classes, version, description, source, pluginDir}')
    .action(async (flags: { pluginDir?: string[]; configFile?: string; json?: boolean }) => {
      const stoq = new Stoq({ baseDir: stoqHome(), pluginDirList: flags.pluginDir, configFile: flags.configFile, logLevel: 'error' });
      const plugins = await stoq.listPlugins();
      // Broken plugin packages are left out of the list; say why, without burying the list.
      for (const problem of stoq.manager.packageProblems) process.stderr.write(`stoq: warning: skipped a plugin package: ${problem}\n`);
      if (flags.json) {
        await writeOut(process.stdout, `${JSON.stringify(plugins, null, 2)}\n`);
        return;
      }
      const about = `stoQ :: rxstoq v${VERSION} :: an automated analysis framework`;
      let text = `${about}\n${'-'.repeat(about.length)}\n`;
      for (const [name, info] of Object.entries(plugins)) {
        text += `${name.padEnd(20)} v${info.version.padEnd(10)}${info.description}\n`;
        text += `${' '.repeat(20)}  ${info.classes.join(', ')}  (${describeSource(info.source)})\n`;
      }
      await writeOut(process.stdout, text);
    });
}
