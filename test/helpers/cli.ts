import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tmp.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const STOQ_BIN = join(ROOT, 'bin', 'stoq.js');

/**
 * An environment with an empty HOME, so no ~/.stoq of the machine leaks into a test. Call it
 * inside a test: that HOME is a `tempDir`, removed once the test ends.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: tempDir('stoq-home-'), ...extra };
  delete env['STOQ_HOME'];
  for (const k of Object.keys(env)) if (k.startsWith('STOQ_') && !(k in extra)) delete env[k];
  return env;
}

/** Run the built CLI (dist/, built by `npm test`'s pretest) synchronously. */
export function stoq(args: string[], options: { input?: Buffer | string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [STOQ_BIN, ...args], {
    encoding: 'utf8',
    input: options.input,
    env: options.env ?? cleanEnv(),
    cwd: options.cwd ?? ROOT,
    maxBuffer: 512 * 1024 * 1024,
  });
}

export { spawn };
