import { Command, CommanderError } from 'commander';
import { StoqException } from '../exceptions.js';
import { routeProcessWarnings } from '../log/process-warnings.js';
import { VERSION } from '../version.js';
import { CliError } from './cli-error.js';
import { cliLog } from './cli-log.js';
import { installCommand } from './commands/install.js';
import { listCommand } from './commands/list.js';
import { newPluginCommand } from './commands/new-plugin.js';
import { runCommand } from './commands/run.js';
import { scanCommand } from './commands/scan.js';
import { guardStdout, OutputClosed } from './stdout-closed.js';
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

/**
 * Commander ends the process itself on a usage error unless told to throw; `exitOverride` on the
 * root alone does not reach subcommands added with `addCommand`, so it is set on every command.
 */
function throwOnUsageErrors(cmd: Command): Command {
  cmd.exitOverride();
  for (const sub of cmd.commands) throwOnUsageErrors(sub);
  return cmd;
}

/** Usage errors: unknown flag or command, a missing or invalid value, a bad config file, an unknown plugin. */
const EXIT_USAGE = 2;
/** A bug: the message comes with its stack (EX_SOFTWARE). */
const EXIT_INTERNAL = 70;

/**
 * Run the CLI; returns the exit code (README "Exit codes"). Expected failures print one line on
 * stderr, never a stack. A closed stdout (`stoq scan DIR | head -1`) ends the command quietly with 0.
 */
export async function main(argv: string[] = process.argv): Promise<number> {
  guardStdout();
  routeProcessWarnings(cliLog);
  try {
    await throwOnUsageErrors(buildProgram()).parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof OutputClosed) return 0;
    // --help and --version "fail" with code 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    if (err instanceof CliError) {
      process.stderr.write(`stoq: error: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof StoqException) {
      process.stderr.write(`stoq: error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`stoq: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_INTERNAL;
  }
}
