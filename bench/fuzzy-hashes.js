#!/usr/bin/env node
// Throughput of the fuzzy-hash plugins' engines (hash_ssdeep, tlsh), per core, next to the Debian
// reference tools on the same bytes when they are installed. Run after `npm run build`:
//   node bench/fuzzy-hashes.js [--mib 32] [--rounds 3]
// CPU time (not wall time) is measured, so a machine shared with other jobs skews it less.
// Never part of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { byteStream, rng } from './prng.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: opts } = parseArgs({ options: { mib: { type: 'string', default: '32' }, rounds: { type: 'string', default: '3' } } });
const size = Number(opts.mib) * 1024 * 1024;
const rounds = Number(opts.rounds);

const built = (plugin, file) => join(ROOT, 'dist', 'plugins', plugin, file);
if (!existsSync(built('tlsh', 'tlsh-hash.js'))) throw new Error('run npm run build first');
const { ssdeepDigest } = await import(built('hash_ssdeep', 'fuzzy-hash.js'));
const { tlshDigest } = await import(built('tlsh', 'tlsh-hash.js'));

const next = rng('fuzzy-hashes');
const WORDS = ['the ', 'payload ', 'stoq ', 'fuzzy ', 'hash ', '\n', 'GET / HTTP/1.1\r\n'];
const text = Buffer.alloc(size);
for (let i = 0; i < size; ) i += text.write(WORDS[Math.floor(next() * WORDS.length)], i, 'latin1');
const corpora = { random: byteStream('fuzzy-hashes')(size), text, zeros: Buffer.alloc(size) };

/** Best of `rounds` CPU-time measurements of `fn()`, in MB/s. */
function mbPerSecond(fn) {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  return size / 1e6 / best;
}

/** CPU seconds a child process used, read from GNU time's output. */
function childCpu(cmd, args) {
  const run = spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (run.status !== 0) throw new Error(`${cmd} failed: ${run.stderr}`);
  const [user, sys] = run.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return user + sys;
}

const dir = mkdtempSync(join(tmpdir(), 'stoq-bench-fuzzy-'));
const rows = [];
try {
  for (const [name, bytes] of Object.entries(corpora)) {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const row = { corpus: name, ssdeep: mbPerSecond(() => ssdeepDigest(bytes)), tlsh: mbPerSecond(() => tlshDigest(bytes)) };
    if (existsSync('/usr/bin/ssdeep') && existsSync('/usr/bin/time')) row['ssdeep CLI'] = size / 1e6 / childCpu('/usr/bin/ssdeep', ['-b', file]);
    if (existsSync('/usr/bin/time')) {
      // python3-tlsh, minus the interpreter's own start and the file read.
      const read = childCpu('/usr/bin/python3', ['-c', `import tlsh; open(${JSON.stringify(file)}, 'rb').read()`]);
      try {
        const hashed = childCpu('/usr/bin/python3', ['-c', `import tlsh; tlsh.hash(open(${JSON.stringify(file)}, 'rb').read())`]);
        row['python3-tlsh'] = size / 1e6 / Math.max(hashed - read, 1e-3);
      } catch {
        // python3-tlsh not installed.
      }
    }
    rows.push(row);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const columns = ['corpus', 'ssdeep', 'ssdeep CLI', 'tlsh', 'python3-tlsh'];
console.log(`MB/s of CPU time, one core, ${opts.mib} MiB per corpus, best of ${rounds}`);
console.log(`| ${columns.join(' | ')} |\n| ${columns.map((_c, i) => (i ? '---:' : '---')).join(' | ')} |`);
for (const row of rows) console.log(`| ${columns.map((c) => (typeof row[c] === 'number' ? row[c].toFixed(1) : (row[c] ?? '–'))).join(' | ')} |`);
