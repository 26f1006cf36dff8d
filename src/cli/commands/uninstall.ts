import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { runNpm } from '../npm.js';
import { homeDependencies, pruneHomeTarballs, stoqHome } from '../stoq-home.js';
import { writeOut } from '../write-out.js';

export function uninstallCommand(): Command {
  return new Command('uninstall')
    .description('remove a package that `stoq install` put in $STOQ_HOME')
    .argument('<name>', 'the package name, as `stoq list` shows it')
    .action(async (name: string) => {
      const home = stoqHome();
      const installed = Object.keys(homeDependencies(home));
      if (!installed.includes(name)) {
        const have = installed.length > 0 ? `installed: ${installed.join(', ')}` : 'nothing is installed there';
        throw new CliError(`${name} is not installed in ${home} (${have})`, 1);
      }
      await runNpm(['uninstall', '--prefix', home, '--no-audit', '--no-fund', name], `npm uninstall ${name}`);
      pruneHomeTarballs(home);
      await writeOut(process.stdout, `removed ${name} from ${home}\n`);
    });
}
