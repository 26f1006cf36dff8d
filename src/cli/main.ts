import { Command, CommanderError } from 'commander';
import { StoqException } from '../exceptions.js';
import { VERSION } from '../version.js';
import { CliError } from './cli-error.js';
import { installCommand } from './commands/install.js';
import { listCommand } from './commands/list.js';
import { newPluginCommand } from './commands/new-plugin.js';
import { runCommand } from './commands/run.js';
import { scanCommand } from './commands/scan.js';
import { submitCommand } from './commands/submit.js';
import { uninstallCommand } from './commands/uninstall.js';

/** Every subcommand; later features register theirs here. */
export function buildProgram(): Command {
  return new Command('stoq')
    .description('rxstoq: stoQ v3 on an RxJS stream pipeline — an automated analysis framework')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .exitOverride()
    .addCommand(scanCommand())
    .addCommand(runCommand())
    .addCommand(listCommand())
    .addCommand(submitCommand())
    .addCommand(installCommand())
    .addCommand(uninstallCommand())
    .addCommand(newPluginCommand());
}

/** Run the CLI; returns the exit code. Expected failures print one line on stderr, never a stack. */
export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      process.stderr.write(`stoq: error: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof StoqException) {
      process.stderr.write(`stoq: error: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`stoq: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 70;
  }
}
