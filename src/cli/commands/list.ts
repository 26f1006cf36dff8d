import { Command } from 'commander';
import { Stoq } from '../../stoq.js';
import { VERSION } from '../../version.js';
import { stoqHome } from '../stoq-home.js';
import { writeOut } from '../write-out.js';

export function listCommand(): Command {
  return new Command('list')
    .description('list the plugins in the plugin path, with their roles')
    .option('--plugin-dir <dirs...>', 'plugin directories (replace the configured list)')
    .option('--config-file <path>', 'config file')
    .action(async (flags: { pluginDir?: string[]; configFile?: string }) => {
      const stoq = new Stoq({ baseDir: stoqHome(), pluginDirList: flags.pluginDir, configFile: flags.configFile, logLevel: 'error' });
      const plugins = await stoq.listPlugins();
      const about = `stoQ :: rxstoq v${VERSION} :: an automated analysis framework`;
      let text = `${about}\n${'-'.repeat(about.length)}\n`;
      for (const [name, info] of Object.entries(plugins)) {
        text += `${name.padEnd(20)} v${info.version.padEnd(10)}${info.description}\n`;
        text += `${' '.repeat(20)}  ${info.classes.join(', ')}\n`;
      }
      await writeOut(process.stdout, text);
    });
}
