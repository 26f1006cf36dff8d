import { spawn } from 'node:child_process';
import { CliError } from './cli-error.js';

/** npm's own chatter that says nothing about what went wrong. */
const NOISE = /complete log of this run|^\s*$|^A complete log|^Log files were not written/i;

/** The error lines npm printed (`npm error ...`, or `npm ERR! ...` before npm 10), prefix removed. */
function npmErrorSummary(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => /^npm (?:error|ERR!)\s?(.*)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined && !NOISE.test(l));
  return lines.slice(0, 8).join('; ') || stderr.trim().split('\n').slice(-3).join('; ');
}

/**
 * Run npm with `args` and wait for it. Its warnings are passed on to stderr; a failure becomes
 * a CliError (exit code 1) saying what `what` was and npm's error lines.
 */
export function runNpm(args: string[], what: string): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    // npm is a .cmd script on Windows, which only starts through a shell.
    const child = spawn('npm', [...args, '--no-update-notifier'], { stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new CliError(`${what} needs npm, which was not found on the PATH (it comes with Node.js)`, 1)
          : new CliError(`${what}: cannot run npm: ${err.message}`, 1),
      );
    });
    child.on('close', (code, signal) => {
      for (const line of stderr.split('\n')) if (/^npm warn/i.test(line)) process.stderr.write(`${line}\n`);
      if (code === 0) resolve({ stdout });
      else reject(new CliError(`${what} failed (npm ${signal ? `killed by ${signal}` : `exited ${code}`}): ${npmErrorSummary(stderr)}`, 1));
    });
  });
}
