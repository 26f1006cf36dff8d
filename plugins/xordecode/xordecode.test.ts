import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';
import { parseXorKey, xorWithKey } from './xor-key.js';

const plain = Buffer.from('This is a payload to XOR decode');

describe('xordecode plugin', () => {
  // A real dispatcher plugin in a temporary plugin folder plays the part of yara finding a key.
  let pluginDir: string;
  beforeAll(() => {
    pluginDir = mkdtempSync(join(tmpdir(), 'rxstoq-xordecode-'));
    copyFileSync(new URL('./fixtures/key-dispatcher.ts', import.meta.url), join(pluginDir, 'key_dispatcher.ts'));
    writeFileSync(join(pluginDir, 'key_dispatcher.stoq.yaml'), 'name: key_dispatcher\nmodule: key_dispatcher\n');
  });
  afterAll(() => rmSync(pluginDir, { recursive: true, force: true }));

  const scanWithMeta = async (content: Buffer, meta: Record<string, unknown>) => {
    const stoq = new Stoq({ pluginDirList: [pluginDir], dispatchers: ['key_dispatcher'], pluginOpts: { key_dispatcher: { meta } }, logLevel: 'silent' });
    try {
      await stoq.ready();
      return await stoq.scan(content);
    } finally {
      await stoq.close();
    }
  };

  it.each([
    ['a list with one int', [65], [65]],
    ['a string with one int', '65', [65]],
    ['an int', 65, [65]],
    ['a rolling list', [41, 52, 63], [41, 52, 63]],
    ['a rolling "41,52,63" string', '41, 52,63', [41, 52, 63]],
    ['a Python bytes repr (upstream yara)', "b')4?'", [41, 52, 63]],
    ['a Python bytes repr with escapes', "b'\\x11\\x10'", [0x11, 0x10]],
  ])('decodes with a key given as %s, found at any depth', async (_what, key, ints) => {
    const encoded = xorWithKey(plain, ints);
    const response = await scanWithMeta(encoded, { test: { meta: { xorkey: key } } });
    expect(response.errors).toEqual([]);
    const [root, child] = response.results;
    expect(root!.workers).not.toHaveProperty('xordecode');
    expect(root!.payload_meta.extra_data).toEqual({ xorkey: ints });
    expect(child!.extracted_by).toEqual(['xordecode']);
    expect(child!.payload_meta.extra_data).toEqual({ xorkey: ints });
    expect(child!.size).toBe(plain.length);
  });

  it('extracts the original bytes (checked through the hash worker on the child)', async () => {
    const key = [41, 52, 63];
    const stoq = new Stoq({
      pluginDirList: [pluginDir],
      dispatchers: ['key_dispatcher'],
      alwaysDispatch: ['hash'],
      pluginOpts: { key_dispatcher: { meta: { xorkey: key } } },
      logLevel: 'silent',
    });
    try {
      const response = await stoq.scan(xorWithKey(plain, key));
      const child = response.results.find((r) => r.extracted_by.includes('xordecode'))!;
      const { createHash } = await import('node:crypto');
      expect((child.workers['hash'] as { sha256: string }).sha256).toBe(createHash('sha256').update(plain).digest('hex'));
    } finally {
      await stoq.close();
    }
  });

  it('reports an error, instead of returning nothing, when no dispatcher gave a key', async () => {
    const response = await scanWithMeta(plain, { test: { other: 1 } });
    expect(response.results).toHaveLength(1);
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.plugin_name).toBe('xordecode');
    expect(response.errors[0]!.error).toMatch(/no XOR key found/);
  });

  it.each([
    ['a value over 255', [65, 256], /256 is not a byte value/],
    ['a word', 'abc', /"abc" is not a byte value/],
    ['an empty list', [], /xorkey is empty/],
    ['an object', { k: 1 }, /expected an int, a list of ints/],
  ])('rejects a key that is %s', async (_what, key, message) => {
    const response = await scanWithMeta(plain, { xorkey: key });
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.error).toMatch(message);
  });

  it('parses hex and decimal key strings', () => {
    expect(parseXorKey('0x41,10')).toEqual([0x41, 10]);
    expect(parseXorKey(Uint8Array.from([1, 2]))).toEqual([1, 2]);
  });

  it('loads through the engine and is listed as a worker', async () => {
    const stoq = new Stoq({ alwaysDispatch: ['xordecode'], logLevel: 'silent' });
    try {
      await stoq.ready();
      expect((await stoq.listPlugins())['xordecode']?.classes).toEqual(['Worker']);
    } finally {
      await stoq.close();
    }
  });
});
