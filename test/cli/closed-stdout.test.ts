import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, STOQ_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * `stoq ARGS | head -1` through a real shell pipe: head exits after one line, so stoq's next
 * write fails with EPIPE. Returns head's output, stoq's stderr and stoq's own exit status.
 */
function pipedToHead(args: string[], timeout = 60_000) {
  const command = `${[process.execPath, STOQ_BIN, ...args].map(quote).join(' ')} | head -1; exit "\${PIPESTATUS[0]}"`;
  return spawnSync('bash', ['-c', command], { encoding: 'utf8', env: cleanEnv(), cwd: ROOT, timeout });
}

const noStackTrace = (stderr: string) => {
  expect(stderr).not.toMatch(/ {4}at /);
  expect(stderr).not.toContain('unexpected error');
};

/** Enough files that the responses overflow the pipe's buffer long after head has gone. */
function corpus(files: number): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'sub'));
  for (let i = 0; i < files; i++) writeFileSync(join(dir, i % 2 ? 'sub' : '', `f${i}`), `file ${i} `.repeat(50));
  return dir;
}

describe('a closed stdout ends the command quietly with 0', () => {
  it('stoq scan DIR | head -1 (pipeline threads)', () => {
    const out = pipedToHead(['scan', corpus(300), '-a', 'hash', '--threads', '2']);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(out.stdout).results[0].workers.hash.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(out.stderr).toBe('');
  });

  it('stoq scan DIR --threads 1 | head -1 (main thread)', () => {
    const out = pipedToHead(['scan', corpus(300), '-a', 'hash', '--threads', '1']);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toBe('');
  });

  it('stoq scan FILE | head -1 (one indented response, far bigger than the pipe buffer)', () => {
    const file = join(tempDir(), 'lines.txt');
    writeFileSync(file, Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n'));
    // Every line becomes a payload of its own: a response of about a megabyte.
    const out = pipedToHead(['scan', file, '-a', 'hash', '-s', 'line_splitter', '--plugin-dir', join(ROOT, 'dist/examples/plugins')]);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toBe('{\n');
    noStackTrace(out.stderr);
  });

  it('stoq run -C stdout | head -1 stops the providers, closes the plugins and exits 0', () => {
    const fixtures = join(ROOT, 'test/fixtures/cli-plugins');
    // The ticker never ends by itself: only the closed pipe can stop this run (the timeout fails the test).
    const out = pipedToHead(['run', '-P', 'ticker', '-C', 'stdout', '-a', 'hash', '--plugin-dir', fixtures, '--plugin-opts', 'ticker:interval_ms=50'], 30_000);
    expect(out.error).toBeUndefined();
    expect(out.status, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).results[0].workers.hash.md5).toMatch(/^[0-9a-f]{32}$/);
    noStackTrace(out.stderr);
    expect(out.stderr).toContain('stopping: stdout was closed by its reader');
    expect(out.stderr).toContain('run finished');
  });
});
