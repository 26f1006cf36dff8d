import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';
import { tempDir } from '../../test/helpers/tmp.js';

interface Found {
  offset: number;
  encoding: 'ascii' | 'utf-16le';
  value: string;
}
interface Result {
  strings: Found[];
  truncated: boolean;
}

/** A deterministic pseudo-random generator, so a failing sample can be rebuilt. */
function prng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Random bytes with ASCII and UTF-16LE words (some with tabs) spliced in at odd and even offsets. */
function sample(seed: number, size: number): Buffer {
  const rand = prng(seed);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(rand() * 256);
  const words = ['kernel32.dll', 'GetProcAddress', 'http://example.test/a?b=c', 'tab\there', 'ab', 'abc', 'abcd', '~!@#$%^&*()_+{}|:"<>?', 'x'.repeat(300)];
  for (let k = 0; k < size / 200; k++) {
    const word = words[Math.floor(rand() * words.length)]!;
    const wide = rand() < 0.5;
    const bytes = wide ? Buffer.from(word, 'utf16le') : Buffer.from(word, 'latin1');
    const at = Math.floor(rand() * (size - bytes.length));
    bytes.copy(out, at);
  }
  return out;
}

/** `strings -a -t d -n N [-e l]` as [{offset, value}]. */
function gnuStrings(file: string, n: number, wide: boolean): { offset: number; value: string }[] {
  const args = ['-a', '-t', 'd', '-n', String(n), ...(wide ? ['-e', 'l'] : []), file];
  const out = execFileSync('strings', args, { maxBuffer: 64 * 1024 * 1024 }).toString('latin1');
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const m = /^ *(\d+) (.*)$/s.exec(line);
      if (!m) throw new Error(`unexpected strings output line: ${JSON.stringify(line)}`);
      return { offset: Number(m[1]), value: m[2]! };
    });
}

describe('strings plugin', () => {
  let stoq: Stoq;
  beforeAll(async () => {
    stoq = new Stoq({ logLevel: 'silent' });
    await stoq.ready();
  });
  afterAll(() => stoq.close());

  const stringsOf = async (content: Uint8Array, options: Record<string, unknown> = {}): Promise<Result> => {
    const s = new Stoq({ alwaysDispatch: ['strings'], logLevel: 'silent', pluginOpts: { strings: options } });
    try {
      const response = await s.scan(content);
      expect(response.errors).toEqual([]);
      return response.results[0]!.workers['strings'] as Result;
    } finally {
      await s.close();
    }
  };

  it.each([
    [1, 4],
    [2, 8],
    [3, 1],
    [4, 20],
  ])('finds exactly what GNU strings finds (sample %i, -n %i), ASCII and -e l', async (seed, n) => {
    const dir = tempDir('rxstoq-strings-');
    const content = sample(seed, 60_000);
    const file = join(dir, 'sample.bin');
    writeFileSync(file, content);
    const result = await stringsOf(content, { min_length: n, max_strings: 1_000_000 });
    expect(result.truncated).toBe(false);
    const ascii = result.strings.filter((s) => s.encoding === 'ascii').map(({ offset, value }) => ({ offset, value }));
    const wide = result.strings.filter((s) => s.encoding === 'utf-16le').map(({ offset, value }) => ({ offset, value }));
    const gnuAscii = gnuStrings(file, n, false);
    const gnuWide = gnuStrings(file, n, true);
    expect(gnuAscii.length).toBeGreaterThan(10);
    expect(gnuWide.some((s) => s.offset % 2 === 1)).toBe(true);
    expect(ascii).toEqual(gnuAscii);
    expect(wide).toEqual(gnuWide);
    // One list, in offset order.
    expect(result.strings.map((s) => s.offset)).toEqual([...result.strings.map((s) => s.offset)].sort((a, b) => a - b));
  });

  it('reports offsets and encodings on a small hand-made payload', async () => {
    const content = Buffer.concat([
      Buffer.from([0, 1]),
      Buffer.from('hello'),
      Buffer.from([0xff]),
      Buffer.from('wide!', 'utf16le'),
      Buffer.from([0x80, 0x80, 0x7f]),
      Buffer.from('end'),
    ]);
    expect(await stringsOf(content)).toEqual({
      strings: [
        { offset: 2, encoding: 'ascii', value: 'hello' },
        { offset: 8, encoding: 'utf-16le', value: 'wide!' },
      ],
      truncated: false,
    });
    expect((await stringsOf(content, { min_length: 3, encodings: ['ascii'] })).strings).toEqual([
      { offset: 2, encoding: 'ascii', value: 'hello' },
      { offset: 21, encoding: 'ascii', value: 'end' },
    ]);
  });

  it('stops at max_strings and max_bytes, keeping every string before the cut in both encodings', async () => {
    const unit = Buffer.concat([Buffer.from('ascii-text'), Buffer.from([0]), Buffer.from('wide-text', 'utf16le'), Buffer.from([0, 0])]);
    const content = Buffer.concat(Array.from({ length: 1000 }, () => unit));
    const capped = await stringsOf(content, { max_strings: 7 });
    expect(capped.truncated).toBe(true);
    expect(capped.strings).toHaveLength(7);
    expect(capped.strings.map((s) => s.encoding)).toEqual(['ascii', 'utf-16le', 'ascii', 'utf-16le', 'ascii', 'utf-16le', 'ascii']);
    const byBytes = await stringsOf(content, { max_bytes: 95 });
    expect(byBytes.truncated).toBe(true);
    // As GNU strings, the wide string starts at the last ASCII letter ("t\0w\0..."): 10 + 10
    // characters a unit, so four units and one more ASCII string fit in 95.
    expect(byBytes.strings[1]).toEqual({ offset: 9, encoding: 'utf-16le', value: 'twide-text' });
    expect(byBytes.strings).toHaveLength(9);
    expect(byBytes.strings.reduce((n, s) => n + s.value.length, 0)).toBe(90);
    const all = await stringsOf(content);
    expect(all).toMatchObject({ truncated: false });
    expect(all.strings).toHaveLength(2000);
  });

  it('is bounded on a large payload of one endless string', async () => {
    const result = await stringsOf(Buffer.alloc(8 * 1024 * 1024, 'A'), { max_bytes: 1000 });
    expect(result).toEqual({ strings: [], truncated: true });
  });

  it('gives nothing for an empty payload', async () => {
    expect(await stringsOf(new Uint8Array(0))).toEqual({ strings: [], truncated: false });
  });

  it('refuses bad options, naming them', async () => {
    const s = new Stoq({ alwaysDispatch: ['strings'], logLevel: 'silent', pluginOpts: { strings: { min_length: 0, encodings: ['ebcdic'] } } });
    await expect(s.ready()).rejects.toThrow(/min_length[\s\S]*encodings|encodings[\s\S]*min_length/);
    await s.close();
  });
});
