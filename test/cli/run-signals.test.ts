import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, STOQ_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const fixtures = join(ROOT, 'test/fixtures/cli-plugins');
const examples = join(ROOT, 'dist/examples/plugins');

function startRun(out: string) {
  const child = spawn(
    process.execPath,
    [
      STOQ_BIN,
      'run',
      '-P',
      'ticker',
      '-C',
      'jsonl_file',
      '-a',
      'hash',
      '--plugin-dir',
      fixtures,
      examples,
      '--plugin-opts',
      `jsonl_file:path=${out}`,
      '--log-level',
      'error',
    ],
    { env: cleanEnv(), cwd: ROOT },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stderr: () => stderr };
}

const waitFor = async (check: () => boolean, ms = 15_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};

const savedLines = (out: string) => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []);

describe('stoq run shutdown', () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig}: stops ingesting, flushes connectors, exits 0, leaves only whole results`, async () => {
      const out = join(tempDir(), 'results.jsonl');
      const run = startRun(out);
      await waitFor(() => savedLines(out).length >= 5);
      run.child.kill(sig);
      const { code } = await run.exited;
      expect(code, run.stderr()).toBe(0);
      const lines = readFileSync(out, 'utf8');
      expect(lines.endsWith('\n')).toBe(true);
      for (const line of lines.trim().split('\n')) expect(JSON.parse(line).results[0].workers.hash).toBeDefined();
      // nothing more is written after exit
      const count = savedLines(out).length;
      await new Promise((r) => setTimeout(r, 200));
      expect(savedLines(out).length).toBe(count);
    }, 30_000);
  }

  it('a second signal exits at once', async () => {
    const out = join(tempDir(), 'results.jsonl');
    const run = startRun(out);
    await waitFor(() => savedLines(out).length >= 1);
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect([0, 130]).toContain(code);
  }, 30_000);
});
