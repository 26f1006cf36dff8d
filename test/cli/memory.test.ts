import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, STOQ_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** Peak RSS (KiB) of one `stoq scan DIR -a hash` run over `count` files, via GNU time. */
function peakRss(count: number): { rssKiB: number; lines: number } {
  const dir = tempDir();
  for (let d = 0; d < 20; d++) mkdirSync(join(dir, `d${d}`));
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `d${i % 20}`, `f${i}`), `file ${i} `.repeat(1 + (i % 50)));
  const out = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, STOQ_BIN, 'scan', dir, '-a', 'hash'], {
    encoding: 'utf8',
    cwd: ROOT,
    env: cleanEnv(),
    maxBuffer: 256 * 1024 * 1024,
  });
  expect(out.status, out.stderr).toBe(0);
  const rssKiB = Number(out.stderr.trim().split('\n').pop());
  return { rssKiB, lines: out.stdout.trim().split('\n').length };
}

describe('stoq scan DIR memory', () => {
  it('streams 12,000 files without memory growing with the file count', () => {
    // The heap warms up over the first few thousand files; past that, three times the files
    // must cost (almost) nothing more: nothing is kept per file.
    const small = peakRss(4_000);
    const large = peakRss(12_000);
    expect(small.lines).toBe(4_000);
    expect(large.lines).toBe(12_000);
    expect(large.rssKiB - small.rssKiB).toBeLessThan(16 * 1024);
  }, 120_000);
});
