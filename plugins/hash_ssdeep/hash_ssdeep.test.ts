import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';
import { FuzzyHasher, SsdeepInputTooLargeError, ssdeepDigest } from './fuzzy-hash.js';

// Debian's ssdeep 2.14.1 (package `ssdeep`) is the reference.
const SSDEEP = '/usr/bin/ssdeep';

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

const WORDS = ['the', 'payload', 'stoq', 'hash', 'fuzzy', 'block', 'size', 'MZ', '\n', 'GET /index.html HTTP/1.1\r\n', '\0\0\0\0'];
type Kind = 'random' | 'zero' | 'repeat' | 'text' | 'runs';
const KINDS: Kind[] = ['random', 'zero', 'repeat', 'text', 'runs'];

function sample(kind: Kind, size: number, seed: number): Buffer {
  const rand = generator(seed);
  const out = Buffer.alloc(size);
  if (kind === 'random') for (let i = 0; i < size; i++) out[i] = (rand() * 256) | 0;
  if (kind === 'repeat') {
    const period = 1 + ((rand() * 40) | 0);
    for (let i = 0; i < size; i++) out[i] = (i % period) * 7 + 65;
  }
  if (kind === 'text') {
    for (let i = 0; i < size; ) {
      const word = Buffer.from(WORDS[(rand() * WORDS.length) | 0]!, 'latin1');
      i += word.copy(out, i);
      if (i < size) out[i++] = 0x20;
    }
  }
  if (kind === 'runs') {
    // Random bytes broken by long runs of one byte: chunk boundaries that cluster and then vanish.
    for (let i = 0; i < size; ) {
      const run = 1 + ((rand() * 5000) | 0);
      const byte = rand() < 0.5 ? -1 : (rand() * 256) | 0;
      for (let j = 0; j < run && i < size; j++, i++) out[i] = byte < 0 ? (rand() * 256) | 0 : byte;
    }
  }
  return out;
}

/** Sizes where ssdeep's choice of block size changes (3·2^k·64 bytes), around them, and small ones. */
function sizes(rand: () => number): number[] {
  const list = [0, 1, 2, 3, 4, 6, 7, 8, 13, 25, 63, 64, 65];
  for (let k = 0; k <= 10; k++) {
    const border = 3 * 2 ** k * 64;
    list.push(border - 1, border, border + 1);
  }
  for (let k = 0; k <= 15; k++) list.push(3 * 2 ** k - 1, 3 * 2 ** k + 1);
  for (let i = 0; i < 60; i++) list.push((rand() * 200_000) | 0);
  return list;
}

describe('hash_ssdeep', () => {
  let dir: string;
  let stoq: Stoq;
  const samples: { name: string; bytes: Buffer }[] = [];
  const reference = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-ssdeep-test-'));
    const seed = Date.now() >>> 0;
    const rand = generator(seed);
    for (const [i, size] of sizes(rand).entries()) {
      // Every kind at the block-size borders; one kind, in turn, elsewhere.
      const kinds = i >= 13 && i < 13 + 33 ? KINDS : [KINDS[i % KINDS.length]!];
      for (const kind of kinds) {
        const name = `${kind}-${size}-seed${seed + i}.bin`;
        const bytes = sample(kind, size, seed + i);
        writeFileSync(join(dir, name), bytes);
        samples.push({ name, bytes });
      }
    }
    // One run of the CLI for all samples; -b prints bare file names.
    const out = execFileSync(SSDEEP, ['-b', ...samples.map((s) => s.name)], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    for (const line of out.split('\n').slice(1)) {
      const m = /^(.*),"(.*)"$/.exec(line);
      if (m) reference.set(m[2]!, m[1]!);
    }
    stoq = new Stoq({ alwaysDispatch: ['hash_ssdeep'], logLevel: 'silent' });
    await stoq.ready();
  });
  afterAll(async () => {
    await stoq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ssdeepOf = async (content: Uint8Array | string) => {
    const response = await stoq.scan(content);
    expect(response.errors).toEqual([]);
    return response.results[0]!.workers['hash_ssdeep'];
  };

  it('gives upstream’s result for upstream’s test vector', async () => {
    expect(await ssdeepOf('This is a payload to hash')).toEqual({ ssdeep: '3:hMCE7pr3Kn:huJ6' });
  });

  it('equals `ssdeep -b` on every generated sample (random sizes, block-size borders, zeros, repeats, text, runs)', () => {
    expect(samples.length).toBeGreaterThan(250);
    expect(reference.size).toBe(samples.length);
    const wrong = samples
      .filter((s) => ssdeepDigest(s.bytes) !== reference.get(s.name))
      .map((s) => `${s.name}: ${ssdeepDigest(s.bytes)} != ${reference.get(s.name)}`);
    expect(wrong).toEqual([]);
  });

  it('gives the same digest fed in chunks, with or without the total length known', () => {
    for (const { name, bytes } of samples.filter((_, i) => i % 7 === 0)) {
      const known = new FuzzyHasher(bytes.length);
      const unknown = new FuzzyHasher();
      for (let at = 0, step = 1; at < bytes.length; at += step, step = step * 3 + 1) {
        known.update(bytes.subarray(at, at + step));
        unknown.update(bytes.subarray(at, at + step));
      }
      expect([name, known.digest()]).toEqual([name, reference.get(name)]);
      expect([name, unknown.digest()]).toEqual([name, reference.get(name)]);
    }
  });

  it('hashes the empty payload and a single byte as ssdeep does', async () => {
    expect(await ssdeepOf(new Uint8Array(0))).toEqual({ ssdeep: reference.get(samples.find((s) => s.bytes.length === 0)!.name) });
    expect(await ssdeepOf(new Uint8Array(0))).toEqual({ ssdeep: '3::' });
    expect(await ssdeepOf(Buffer.from([0x61]))).toEqual({ ssdeep: '3:E:E' });
  });

  it('hashes large payloads in the worker-thread pool with the same result as inline', async () => {
    const big = samples.filter((s) => s.bytes.length > 100_000).slice(0, 3);
    for (const opts of [{ pool_min_size: 0 }, { use_pool: false }]) {
      const s = new Stoq({ alwaysDispatch: ['hash_ssdeep'], logLevel: 'silent', pluginOpts: { hash_ssdeep: opts } });
      for (const { name, bytes } of big) {
        const r = await s.scan(bytes);
        expect(r.errors).toEqual([]);
        expect([name, r.results[0]!.workers['hash_ssdeep']]).toEqual([name, { ssdeep: reference.get(name) }]);
      }
      await s.close();
    }
  });

  it('streams an 8 MiB input chunk by chunk and matches ssdeep on it', () => {
    const chunk = sample('random', 1024 * 1024, 7);
    const file = join(dir, 'large.bin');
    const hasher = new FuzzyHasher();
    for (let i = 0; i < 8; i++) {
      chunk[0] = i; // chunks differ, so the signature is not periodic
      hasher.update(chunk);
      writeFileSync(file, chunk, { flag: i === 0 ? 'w' : 'a' });
    }
    const expected = execFileSync(SSDEEP, ['-b', file], { encoding: 'utf8' }).split('\n')[1]!.split(',')[0];
    expect(hasher.digest()).toBe(expected);
  });

  it('refuses inputs beyond the largest block size and lengths that do not add up, naming what was wrong', () => {
    expect(() => new FuzzyHasher(2 ** 40)).toThrow(SsdeepInputTooLargeError);
    expect(() => new FuzzyHasher(-1)).toThrow(/totalLength/);
    expect(() => new FuzzyHasher(3).update(new Uint8Array(4))).toThrow(/expect 3 bytes but was fed 4/);
    expect(() => new FuzzyHasher(3).update(new Uint8Array(2)).digest()).toThrow(/expect 3 bytes but was fed 2/);
  });

  it('rejects a bad option with a message naming it', async () => {
    const s = new Stoq({ alwaysDispatch: ['hash_ssdeep'], logLevel: 'silent', pluginOpts: { hash_ssdeep: { pool_min_size: -1 } } });
    await expect(s.ready()).rejects.toThrow(/pool_min_size/);
  });
});
