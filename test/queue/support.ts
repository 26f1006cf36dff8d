import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { cleanEnv, ROOT, STOQ_BIN } from '../helpers/cli.js';

export interface Consumer {
  child: ChildProcess;
  name: string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
}

const running = new Set<ChildProcess>();
afterEach(() => {
  // A failed test must not leave consumers behind; each is ended by its own pid.
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
});

/** `node bin/stoq.js run -P redis ...` as a real child process of the built CLI. */
export function startConsumer(name: string, args: string[], env: Record<string, string>): Consumer {
  const child = spawn(process.execPath, [STOQ_BIN, 'run', '-P', 'redis', '--log-level', 'warn', ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, name, stderr: () => stderr, exited };
}

/** The redis plugin options naming one test's keys, as --plugin-opts arguments. */
export function redisOpts(keys: Record<string, string>, extra: Record<string, string | number> = {}): string[] {
  const { prefix: _p, ...names } = keys;
  return ['--plugin-opts', ...Object.entries({ ...names, ...extra }).map(([k, v]) => `redis:${k}=${v}`)];
}

/**
 * The built CLI as a child process, awaited without blocking the event loop (spawnSync would
 * stall servers running inside the test process, such as s3rver).
 */
export function stoqAsync(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [STOQ_BIN, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}
