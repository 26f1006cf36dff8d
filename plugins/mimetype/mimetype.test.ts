import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';
import { corpus } from './fixtures/corpus.js';
import { iso9660 } from '../../test/support/formats.js';

/**
 * Formats where Debian 12's `file` 5.44 and wasmagic's newer libmagic legitimately disagree
 * (see README): version changes in the magic database, or information only a file descriptor
 * gives libmagic.
 */
const KNOWN_DIFFERENCES: Record<string, string> = {
  // magic_buffer() cannot run libmagic's ELF inspection (it needs an fd), so a PIE reads as
  // application/x-sharedlib, exactly as upstream's python-magic from_buffer() reported it.
  elf: 'file: application/x-pie-executable; buffer API: application/x-sharedlib',
  // Newer magic renamed the type.
  rar: 'file 5.44: application/x-rar; newer libmagic: application/vnd.rar',
  // Newer magic has a PEM rule.
  pem: 'file 5.44: text/plain; newer libmagic: application/x-pem-file',
  // Newer magic's TrueType rule lost its !:mime line (description still "TrueType Font data").
  ttf: 'file 5.44: font/sfnt; newer libmagic: application/octet-stream',
};

const fileMime = (paths: string[]): string[] =>
  execFileSync('file', ['--brief', '--mime-type', ...paths], { maxBuffer: 16 << 20 })
    .toString()
    .trimEnd()
    .split('\n');

describe('mimetype plugin', () => {
  let stoq: Stoq;
  let dir: string;
  beforeAll(async () => {
    stoq = new Stoq({ alwaysDispatch: ['mimetype'], logLevel: 'silent' });
    await stoq.ready();
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-mimetype-'));
  });
  afterAll(async () => {
    await stoq.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const mimetypeOf = async (content: Uint8Array | string, s = stoq) => {
    const response = await s.scan(content);
    expect(response.errors).toEqual([]);
    return (response.results[0]!.workers['mimetype'] as { mimetype: string }).mimetype;
  };

  it('agrees with `file --brief --mime-type` on a corpus of at least 30 formats', async () => {
    const samples = corpus
      .filter((s) => !(s.name in KNOWN_DIFFERENCES))
      .map((s) => ({ name: s.name, content: s.build() }))
      .filter((s): s is { name: string; content: Buffer } => s.content !== null);
    const paths = samples.map((s) => {
      const path = join(dir, s.name);
      writeFileSync(path, s.content);
      return path;
    });
    const expected = fileMime(paths);
    expect(expected).toHaveLength(samples.length);
    const rows = await Promise.all(samples.map(async (s, i) => ({ name: s.name, file: expected[i]!, plugin: await mimetypeOf(s.content) })));
    const differ = rows.filter((r) => r.file !== r.plugin);
    expect(differ, `differ from file(1):\n${differ.map((d) => `  ${d.name}: file=${d.file} plugin=${d.plugin}`).join('\n')}`).toEqual([]);
    expect(new Set(rows.map((r) => r.file)).size).toBeGreaterThanOrEqual(30);
  });

  it('documents the known differences truthfully (they still differ, and only as described)', async () => {
    for (const sample of corpus.filter((s) => s.name in KNOWN_DIFFERENCES)) {
      const content = sample.build()!;
      const path = join(dir, `known-${sample.name}`);
      writeFileSync(path, content);
      const [file] = fileMime([path]);
      const plugin = await mimetypeOf(content);
      expect(KNOWN_DIFFERENCES[sample.name]).toContain(file!);
      expect(KNOWN_DIFFERENCES[sample.name]).toContain(plugin);
      expect(plugin).not.toBe(file);
    }
  });

  it('looks at the same 7 MiB `file` reads: JSON ending at 7 MiB is JSON, one byte later it is text', async () => {
    const sevenMiB = 7 * 1024 * 1024;
    const json = (size: number) => Buffer.from(`["${'a'.repeat(size - 4)}"]`);
    const atLimit = json(sevenMiB);
    const overLimit = json(sevenMiB + 1);
    writeFileSync(join(dir, 'at.json'), atLimit);
    writeFileSync(join(dir, 'over.json'), overLimit);
    expect(fileMime([join(dir, 'at.json'), join(dir, 'over.json')])).toEqual(['application/json', 'text/plain']);
    expect(await mimetypeOf(atLimit)).toBe('application/json');
    expect(await mimetypeOf(overLimit)).toBe('text/plain');
  });

  it('reproduces upstream’s 1000-byte window when asked (bytes_max), which misses an ISO image', async () => {
    const small = new Stoq({ alwaysDispatch: ['mimetype'], pluginOpts: { mimetype: { bytes_max: 1000 } }, logLevel: 'silent' });
    try {
      expect(await mimetypeOf(iso9660(), small)).toBe('application/octet-stream');
      expect(await mimetypeOf(iso9660())).toBe('application/x-iso9660-image');
    } finally {
      await small.close();
    }
  });

  it('passes upstream’s test vector and labels an empty payload as libmagic does', async () => {
    expect(await mimetypeOf('This is a magical string')).toBe('text/plain');
    expect(await mimetypeOf(new Uint8Array(0))).toBe('application/x-empty');
  });

  it('rejects an invalid bytes_max at load time', async () => {
    const bad = new Stoq({ alwaysDispatch: ['mimetype'], pluginOpts: { mimetype: { bytes_max: -5 } }, logLevel: 'silent' });
    await expect(bad.ready()).rejects.toThrow(/mimetype.*bytes_max/);
    await bad.close();
  });

  it('is listed as a worker', async () => {
    expect((await stoq.listPlugins())['mimetype']?.classes).toEqual(['Worker']);
  });
});
