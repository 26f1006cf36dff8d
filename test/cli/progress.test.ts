import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, renderProgress } from '../../src/cli/progress.js';
import { cleanEnv, ROOT, STOQ_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

function corpus(n: number): string {
  const dir = tempDir();
  for (let i = 0; i < n; i++) writeFileSync(join(dir, `f${i}`), `file ${i} `.repeat(10 + i));
  return dir;
}

describe('progress line', () => {
  it('shows files, bytes, rates and an ETA, with a bar once the total is known', () => {
    const line = renderProgress({ files: 250, bytes: 2_500_000, total: 1000, elapsedMs: 5_000 }, 120);
    expect(line).toMatch(/^\[#{8}\.{22}\] 250\/1,000 files {2}2\.5 MB {2}50 files\/s {2}500\.0 KB\/s {2}ETA 0:15$/);
    expect(line.length).toBeLessThanOrEqual(120);
  });

  it('says it is still counting while the total is unknown, and fits narrow terminals', () => {
    expect(renderProgress({ files: 3, bytes: 10, elapsedMs: 1000 }, 120)).toBe('3 files (counting…)  10 B  3 files/s  10 B/s  ETA --:--');
    expect(renderProgress({ files: 3, bytes: 10, total: 9, elapsedMs: 1000 }, 30).length).toBeLessThan(30);
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_234_567)).toBe('1.2 MB');
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3_725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('--:--');
  });
});

describe('stoq scan DIR progress', () => {
  it('draws a progress line on stderr when it is a terminal', () => {
    const dir = corpus(200);
    const out = join(tempDir(), 'out.ndjson');
    // `script` gives the command a pseudo-terminal; stdout goes to a file, stderr to the terminal.
    const cmd = `'${process.execPath}' '${STOQ_BIN}' scan '${dir}' -a hash > '${out}'`;
    const r = spawnSync('script', ['-q', '-e', '-c', cmd, '/dev/null'], { encoding: 'utf8', cwd: ROOT, env: cleanEnv(), input: '' });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(200);
    expect(r.stdout).toContain('\r');
    expect(r.stdout).toMatch(/\[#+\] 200\/200 files .* files\/s .*\/s {2}ETA \d+:\d\d/);
  });

  it('stays quiet when stderr is not a terminal', () => {
    const dir = corpus(50);
    const r = spawnSync(process.execPath, [STOQ_BIN, 'scan', dir, '-a', 'hash'], { encoding: 'utf8', cwd: ROOT, env: cleanEnv() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(50);
  });
});
