import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ROOT } from '../helpers/cli.js';

export { ROOT };

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The command line and both outputs, for assertion messages. */
  transcript: string;
}

/** npm's cache as the machine has it: the nested installs below read packages from it. */
const NPM_CACHE = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();

/**
 * The environment of a user's shell: no npm_* variables leaking from the `npm test` running this
 * file, no STOQ_* settings, `home` (a fresh folder) as HOME, the machine's npm cache, and this
 * node first on PATH.
 */
export function userEnv(home: string): NodeJS.ProcessEnv {
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|stoq_)/i.test(k)) env[k] = v;
  env['HOME'] = home;
  env['PATH'] = [dirname(process.execPath), process.env['PATH'] ?? ''].join(delimiter);
  env['npm_config_cache'] = NPM_CACHE;
  env['npm_config_audit'] = 'false';
  env['npm_config_fund'] = 'false';
  env['npm_config_update_notifier'] = 'false';
  // Packages come from the cache without asking the registry whether they changed.
  env['npm_config_prefer_offline'] = 'true';
  return env;
}

/** Run a command to its end, collecting its output (asynchronously, so the test worker stays responsive). */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({ status, stdout, stderr, transcript: `$ ${command} ${args.join(' ')}  (in ${cwd}, exit ${status})\n${stdout}\n${stderr}` }),
    );
  });
}

/** Like run(), but a non-zero exit is an error carrying the transcript. */
export async function mustRun(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  const ran = await run(command, args, cwd, env);
  if (ran.status !== 0) throw new Error(`command failed:\n${ran.transcript}`);
  return ran;
}

export interface Packed {
  tarball: string;
  /** Paths inside the package, as `npm pack --json` lists them. */
  files: string[];
}

/**
 * `npm pack` of this checkout into `dest`. Lifecycle scripts are skipped: `npm test` has just
 * built dist/ (pretest), and `prepack` would only build it again.
 */
export async function packRxstoq(dest: string, env: NodeJS.ProcessEnv): Promise<Packed> {
  const ran = await mustRun('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], ROOT, env);
  const [info] = JSON.parse(ran.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: join(dest, info!.filename), files: info!.files.map((f) => f.path) };
}
