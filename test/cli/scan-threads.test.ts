import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stoq } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function corpus(n: number): { dir: string; contents: Map<string, string> } {
  const dir = tempDir();
  const contents = new Map<string, string>();
  for (let d = 0; d < 4; d++) mkdirSync(join(dir, `d${d}`));
  for (let i = 0; i < n; i++) {
    const text = `file ${i} `.repeat(1 + (i % 40));
    writeFileSync(join(dir, `d${i % 4}`, `f${i}`), text);
    contents.set(`f${i}`, text);
  }
  return { dir, contents };
}

const byName = (stdout: string) =>
  new Map(
    stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .map((r) => [r.results[0].payload_meta.extra_data.filename as string, r]),
  );

describe('stoq scan DIR on several threads', () => {
  it('gives one correct response per file, the same as one thread', () => {
    const { dir, contents } = corpus(400);
    const threaded = stoq(['scan', dir, '-a', 'hash', '--threads', '2']);
    const single = stoq(['scan', dir, '-a', 'hash', '--threads', '1']);
    expect(threaded.status, threaded.stderr).toBe(0);
    expect(single.status, single.stderr).toBe(0);
    const a = byName(threaded.stdout);
    const b = byName(single.stdout);
    expect(a.size).toBe(400);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [name, r] of a) {
      expect(r.results[0].workers.hash.md5).toBe(md5(contents.get(name)!));
      expect(r.results[0].workers.hash).toEqual(b.get(name).results[0].workers.hash);
      expect(r.results[0].payload_meta.extra_data.source_dir).toBe(b.get(name).results[0].payload_meta.extra_data.source_dir);
    }
  });

  it('reports unreadable inputs with a response and a message, and exits 1', () => {
    const { dir } = corpus(300);
    // A FIFO cannot be read as a file, even by root.
    const fifo = join(dir, 'd0', 'fifo');
    execFileSync('mkfifo', [fifo]);
    const r = stoq(['scan', dir, '-a', 'hash', '--threads', '2']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot read ${fifo}`);
    const out = byName(r.stdout);
    expect(out.size).toBe(301);
    expect(out.get('fifo').errors[0].code).toBe('INPUT_UNREADABLE');
    expect(out.get('fifo').results[0].workers).toEqual({});
  });

  it('a bad plugin option fails the scan with one clear message, not a thread crash', () => {
    const { dir } = corpus(300);
    const r = stoq(['scan', dir, '-a', 'hash', '--threads', '2', '--plugin-opts', 'hash:pool_min_size=-5']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/pool_min_size/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
