import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';
import { lengthCode, TlshHasher, tlshDigest } from './tlsh-hash.js';

// Debian's python3-tlsh 3.4.4 is the reference run here; by absolute path, because a `python3`
// earlier on PATH (pyenv, a venv) may lack the module. It prints the digest without the `T1`
// prefix and only from 256 bytes on; the current reference (4.12) is covered by fixtures.
const PYTHON = '/usr/bin/python3';
const HASH_FILES = 'import sys, tlsh\nfor f in sys.argv[1:]:\n    print(tlsh.hash(open(f, "rb").read()))';

interface Fixture {
  kind: string;
  size: number;
  input: string;
  tlsh: string;
  conservative: string;
}
const current = JSON.parse(readFileSync(new URL('./fixtures/tlsh-4.12.json', import.meta.url), 'utf8')) as { cases: Fixture[] };

/** mulberry32: a seeded generator, so a failing sample can be rebuilt from the seed printed with it. */
function generator(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

type Kind = 'random' | 'text' | 'narrow' | 'zero' | 'mutated';
const KINDS: Kind[] = ['random', 'text', 'narrow', 'zero', 'mutated'];
const WORDS = ['the ', 'payload ', 'stoq ', 'fuzzy ', 'hash ', 'MZ', '\n', 'GET / HTTP/1.1\r\n', '\0\0\0\0'];

function sample(kind: Kind, size: number, seed: number): Buffer {
  const rand = generator(seed);
  const out = Buffer.alloc(size);
  if (kind === 'random') for (let i = 0; i < size; i++) out[i] = (rand() * 256) | 0;
  if (kind === 'narrow') for (let i = 0; i < size; i++) out[i] = 97 + ((rand() * (2 + (seed % 6))) | 0);
  if (kind === 'text') {
    for (let i = 0; i < size; ) i += Buffer.from(WORDS[(rand() * WORDS.length) | 0]!, 'latin1').copy(out, i);
  }
  if (kind === 'mutated') {
    // Text with a few random bytes: digests of near-identical inputs that must still match exactly.
    sample('text', size, seed).copy(out);
    for (let i = 0; i < size / 100; i++) out[(rand() * size) | 0] = (rand() * 256) | 0;
  }
  return out;
}

/** Lengths where the length code changes (found with lengthCode itself: the reference checks them). */
function lengthCodeBorders(upTo: number): number[] {
  const borders: number[] = [];
  for (let n = 2, previous = lengthCode(1); n <= upTo; n++) {
    const code = lengthCode(n);
    if (code !== previous) borders.push(n);
    previous = code;
  }
  return borders;
}

describe('tlsh', () => {
  let dir: string;
  let stoq: Stoq;
  const samples: { name: string; bytes: Buffer; debian: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-tlsh-test-'));
    const seed = Date.now() >>> 0;
    const rand = generator(seed);
    const sizes = [0, 1, 4, 5, 49, 50, 255, 256, 257, 300, 656, 657, 3199, 3200];
    for (const border of lengthCodeBorders(512 * 1024)) if (border > 200) sizes.push(border - 1, border);
    for (let i = 0; i < 80; i++) sizes.push((rand() * 200_000) | 0);
    const files: string[] = [];
    for (const [i, size] of sizes.entries()) {
      const kind = KINDS[i % KINDS.length]!;
      const name = `${kind}-${size}-seed${seed + i}.bin`;
      const bytes = sample(kind, size, seed + i);
      writeFileSync(join(dir, name), bytes);
      files.push(name);
      samples.push({ name, bytes, debian: '' });
    }
    const lines = execFileSync(PYTHON, ['-c', HASH_FILES, ...files], { cwd: dir, encoding: 'utf8' }).split('\n');
    for (const [i, s] of samples.entries()) s.debian = lines[i]!;
    stoq = new Stoq({ alwaysDispatch: ['tlsh'], logLevel: 'silent' });
    await stoq.ready();
  });
  afterAll(async () => {
    await stoq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tlshOf = async (content: Uint8Array | string, s = stoq) => {
    const response = await s.scan(content);
    expect(response.errors).toEqual([]);
    return response.results[0]!.workers['tlsh'];
  };

  it('equals Debian’s python3-tlsh 3.4.4 (plus the T1 prefix) on every generated sample, and has no digest where it has none', () => {
    expect(samples.length).toBeGreaterThan(150);
    expect(samples.filter((s) => s.debian !== '').length).toBeGreaterThan(100);
    const wrong = [];
    for (const { name, bytes, debian } of samples) {
      // 3.4.4 has only the conservative minimum (256 bytes); the conservative mode is that.
      const ours = tlshDigest(bytes, true).digest;
      if ((debian === '' ? null : `T1${debian}`) !== ours) wrong.push(`${name}: ${ours} != T1${debian}`);
      if (bytes.length >= 256 && tlshDigest(bytes).digest !== ours) wrong.push(`${name}: default and conservative differ`);
    }
    expect(wrong).toEqual([]);
  });

  it('equals the current reference (TLSH 4.12, fixtures) from 0 to 300 bytes and around its length-code borders, in both modes', () => {
    expect(current.cases.length).toBeGreaterThan(400);
    const wrong = [];
    for (const c of current.cases) {
      const bytes = Buffer.from(c.input, 'base64');
      expect(bytes.length).toBe(c.size);
      const ours = tlshDigest(bytes).digest ?? 'TNULL';
      const oursConservative = tlshDigest(bytes, true).digest ?? 'TNULL';
      if (ours !== c.tlsh || oursConservative !== c.conservative) wrong.push(`${c.kind}-${c.size}: ${ours} ${oursConservative} != ${c.tlsh} ${c.conservative}`);
    }
    expect(wrong).toEqual([]);
    // 50..255-byte inputs get digests now: the fixtures must show it, or they test nothing new.
    expect(current.cases.filter((c) => c.size < 256 && c.tlsh !== 'TNULL').length).toBeGreaterThan(100);
  });

  it('codes every length from 1 to 2^32 - 1 as the reference does (its single-precision log included)', () => {
    // Fixture: all 4 billion lengths run through the reference's length code; where it changes.
    // lengthCode rises monotonically between the borders, so agreeing on both sides of each is
    // agreeing everywhere.
    const { borders } = JSON.parse(readFileSync(new URL('./fixtures/length-code-borders.json', import.meta.url), 'utf8')) as { borders: [number, number][] };
    expect(borders.length).toBe(171);
    const wrong = borders.filter(([n, code], i) => lengthCode(n) !== code || (i > 0 && lengthCode(n - 1) !== borders[i - 1]![1]));
    expect(wrong).toEqual([]);
  });

  it('gives the same digest fed in chunks of any size', () => {
    for (const { name, bytes } of samples.filter((_, i) => i % 5 === 0)) {
      const hasher = new TlshHasher();
      for (let at = 0, step = 1; at < bytes.length; at += step, step = step * 2 + 1) hasher.update(bytes.subarray(at, at + step));
      expect([name, hasher.digest().digest]).toEqual([name, tlshDigest(bytes).digest]);
    }
  });

  it('reports the T1 digest through the plugin, and a note instead of a digest for short or uniform payloads', async () => {
    const big = samples.find((s) => s.debian !== '' && s.bytes.length > 1000)!;
    expect(await tlshOf(big.bytes)).toEqual({ tlsh: `T1${big.debian}` });
    expect(await tlshOf(new Uint8Array(0))).toEqual({ tlsh: null, note: 'TLSH needs at least 50 bytes, the input has 0' });
    expect(await tlshOf(Buffer.from([0x61]))).toEqual({ tlsh: null, note: 'TLSH needs at least 50 bytes, the input has 1' });
    expect(await tlshOf(Buffer.alloc(100_000))).toEqual({ tlsh: null, note: expect.stringMatching(/too little variety: \d+ of 128 buckets used/) });
    const conservative = new Stoq({ alwaysDispatch: ['tlsh'], logLevel: 'silent', pluginOpts: { tlsh: { conservative: true } } });
    expect(await tlshOf(big.bytes.subarray(0, 100), conservative)).toEqual({ tlsh: null, note: 'TLSH needs at least 256 bytes, the input has 100' });
    await conservative.close();
  });

  it('hashes large payloads in the worker-thread pool with the same result as inline', async () => {
    const big = samples.filter((s) => s.bytes.length > 100_000).slice(0, 3);
    for (const opts of [{ pool_min_size: 0 }, { use_pool: false }]) {
      const s = new Stoq({ alwaysDispatch: ['tlsh'], logLevel: 'silent', pluginOpts: { tlsh: opts } });
      for (const { name, bytes } of big) expect([name, await tlshOf(bytes, s)]).toEqual([name, { tlsh: tlshDigest(bytes).digest }]);
      await s.close();
    }
  });

  it('streams an 8 MiB input chunk by chunk and matches python3-tlsh on it', () => {
    const chunk = sample('mutated', 1024 * 1024, 7);
    const file = join(dir, 'large.bin');
    const hasher = new TlshHasher();
    for (let i = 0; i < 8; i++) {
      chunk[i] = chunk[i]! ^ 0xff;
      hasher.update(chunk);
      writeFileSync(file, chunk, { flag: i === 0 ? 'w' : 'a' });
    }
    const debian = execFileSync(PYTHON, ['-c', HASH_FILES, file], { encoding: 'utf8' }).trim();
    expect(hasher.digest().digest).toBe(`T1${debian}`);
  });

  it('refuses more bytes in total than TLSH counts (4 GiB - 1), naming the limit', () => {
    const hasher = new TlshHasher().update(Buffer.alloc(1000));
    // Only the length is read before the refusal: a stand-in spares allocating 4 GiB.
    expect(() => hasher.update({ length: 2 ** 32 - 1000 } as Uint8Array)).toThrow('TLSH cannot hash more than 4294967295 bytes');
  });

  it('rejects a bad option with a message naming it', async () => {
    const s = new Stoq({ alwaysDispatch: ['tlsh'], logLevel: 'silent', pluginOpts: { tlsh: { conservative: 'maybe' } } });
    await expect(s.ready()).rejects.toThrow(/conservative/);
  });
});
