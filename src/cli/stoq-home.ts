import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError } from './cli-error.js';

/**
 * `$STOQ_HOME`, default `~/.stoq`. A STOQ_HOME that is set but missing is an error (as upstream);
 * a missing default is fine: the CLI then runs with built-in defaults and the bundled plugins.
 */
export function stoqHome(env: NodeJS.ProcessEnv = process.env): string {
  const set = env['STOQ_HOME'];
  if (set) {
    const dir = resolve(set);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`$STOQ_HOME is invalid, exiting: ${dir} is not a directory`, 1);
    return dir;
  }
  return join(homedir(), '.stoq');
}
