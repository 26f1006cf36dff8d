import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Payload, Request, Stoq, type WorkerPlugin } from 'rxstoq';
import { docx, gif, jpeg, odt, pdf, png } from '../../test/support/formats.js';

// Debian's ExifTool (libimage-exiftool-perl) is the reference; by absolute path, because
// node_modules/.bin also holds an `exiftool` (the bundled one) that test runners put on PATH.
const DEBIAN_EXIFTOOL = '/usr/bin/exiftool';
const BUNDLED_EXIFTOOL = join(dirname(createRequire(import.meta.url).resolve('exiftool-vendored.pl/package.json')), 'bin', 'exiftool');
// Tags about the file on disk (or the pipe), not about the payload.
const FILESYSTEM_TAGS = [
  'SourceFile',
  'ExifToolVersion',
  'FileName',
  'Directory',
  'FileModifyDate',
  'FileAccessDate',
  'FileInodeChangeDate',
  'FilePermissions',
];

type Tags = Record<string, unknown>;
const withoutFilesystemTags = (tags: Tags) => Object.fromEntries(Object.entries(tags).filter(([k]) => !FILESYSTEM_TAGS.includes(k)));

/** exiftool's own children of this process (pid → command line), read from /proc. */
function exiftoolChildren(): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (ppid === process.pid && cmdline.includes('exiftool')) found.set(Number(entry), cmdline);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

describe('exif plugin', () => {
  let stoq: Stoq;
  let dir: string;
  const samples: Record<string, Buffer> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-exif-test-'));
    // EXIF written by ExifTool itself onto a JPEG built in memory.
    const jpg = join(dir, 'camera.jpg');
    writeFileSync(jpg, jpeg(32, 16));
    execFileSync(DEBIAN_EXIFTOOL, [
      '-q',
      '-overwrite_original',
      '-Make=rxstoq',
      '-Model=Test Cam 1',
      '-Orientation#=6',
      '-DateTimeOriginal=2024:01:02 03:04:05',
      '-Artist=tester',
      jpg,
    ]);
    samples['jpeg'] = readFileSync(jpg);
    samples['png'] = png(12, 9, { Title: 'rxstoq png', Author: 'tests' });
    samples['gif'] = gif(7, 5);
    samples['pdf'] = pdf(3);
    samples['docx'] = docx();
    samples['odt'] = odt();
    stoq = new Stoq({ alwaysDispatch: ['exif'], logLevel: 'silent' });
    await stoq.ready();
  });

  afterAll(async () => {
    await stoq.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const exifOf = async (content: Uint8Array, s = stoq): Promise<Tags> => {
    const response = await s.scan(content);
    expect(response.errors).toEqual([]);
    return response.results[0]!.workers['exif'] as Tags;
  };

  it('matches Debian’s `exiftool -j -n` on images, a PDF and office files', async () => {
    const names = Object.keys(samples);
    const paths = names.map((n) => {
      const path = join(dir, `sample-${n}`);
      writeFileSync(path, samples[n]!);
      return path;
    });
    const reference = JSON.parse(execFileSync(DEBIAN_EXIFTOOL, ['-j', '-n', ...paths], { stdio: ['ignore', 'pipe', 'pipe'] }).toString()) as Tags[];
    const core: Record<string, Tags> = {
      jpeg: { FileType: 'JPEG', MIMEType: 'image/jpeg', ImageWidth: 32, ImageHeight: 16, Make: 'rxstoq', Model: 'Test Cam 1', Orientation: 6 },
      png: { FileType: 'PNG', MIMEType: 'image/png', ImageWidth: 12, ImageHeight: 9, Title: 'rxstoq png' },
      gif: { FileType: 'GIF', MIMEType: 'image/gif', ImageWidth: 7, ImageHeight: 5 },
      pdf: { FileType: 'PDF', MIMEType: 'application/pdf', PageCount: 3, Title: 'rxstoq test' },
      docx: { FileType: 'DOCX', MIMEType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', Title: 'rxstoq docx', Pages: 1 },
      odt: { FileType: 'ODT', MIMEType: 'application/vnd.oasis.opendocument.text', Title: 'rxstoq odt' },
    };
    for (const [i, name] of names.entries()) {
      const ours = await exifOf(samples[name]!);
      const theirs = reference[i]!;
      // The core tags, with -n's numeric values (Orientation 6, not "Rotate 90 CW"), in both.
      expect(theirs, `Debian exiftool on ${name}`).toMatchObject(core[name]!);
      expect(ours, `plugin on ${name}`).toMatchObject(core[name]!);
      expect(ours['FileSize']).toBe(samples[name]!.length);
      expect(ours['FileTypeExtension']).toBe(theirs['FileTypeExtension']);
      // Every tag both versions print has the same value (12.57 and 13.59 agree on these files).
      const ourTags = withoutFilesystemTags(ours);
      const theirTags = withoutFilesystemTags(theirs);
      const shared = Object.keys(theirTags).filter((k) => k in ourTags);
      expect(shared.length, name).toBeGreaterThan(3);
      for (const tag of shared) expect(ourTags[tag], `${name}: ${tag}`).toEqual(theirTags[tag]);
    }
  });

  it('returns what the same ExifTool prints for upstream’s `exiftool -j -n -`, with the real FileSize', async () => {
    const content = samples['jpeg']!;
    const upstream = (JSON.parse(execFileSync('perl', [BUNDLED_EXIFTOOL, '-j', '-n', '-'], { input: content }).toString()) as Tags[])[0]!;
    const ours = await exifOf(content);
    expect(ours['SourceFile']).toBe('-');
    expect(ours['ExifToolVersion']).toBe(upstream['ExifToolVersion']);
    // Reading a pipe, ExifTool reports size 0 and placeholder dates and permissions for it.
    expect(upstream['FileSize']).toBe(0);
    expect(ours).toEqual({ ...withoutFilesystemTags(upstream), SourceFile: '-', ExifToolVersion: upstream['ExifToolVersion'], FileSize: content.length });
    expect(Object.keys(ours)).toEqual(Object.keys(upstream).filter((k) => !FILESYSTEM_TAGS.slice(2).includes(k)));
  });

  it('leaves no temporary files behind', async () => {
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('rxstoq-exif-') && !n.startsWith('rxstoq-exif-test-'));
    await Promise.all(Object.values(samples).map((s) => exifOf(s)));
    await stoq.scan(Buffer.from('not a format exiftool knows \x00\x01\x02'));
    const after = readdirSync(tmpdir()).filter((n) => n.startsWith('rxstoq-exif-') && !n.startsWith('rxstoq-exif-test-'));
    expect(after).toEqual(before);
  });

  it.each([
    ['unknown binary data', Buffer.from([0x00, 0x13, 0x37, 0xfe, 0xed, 0xfa, 0xce, 0x01, 0x02]), /ExifTool could not read the payload: Unknown file type/],
    ['an empty payload', Buffer.alloc(0), /ExifTool could not read the payload: File is empty/],
  ])('turns %s into an error, not a crash, and keeps working', async (_what, content, message) => {
    const response = await stoq.scan(content);
    expect(response.results[0]!.workers).not.toHaveProperty('exif');
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.plugin_name).toBe('exif');
    expect(response.errors[0]!.error).toMatch(message);
    expect((await exifOf(samples['gif']!))['FileType']).toBe('GIF');
  });

  it('runs every payload through one persistent ExifTool process, ended by close()', async () => {
    const s = new Stoq({ alwaysDispatch: ['exif'], logLevel: 'silent' });
    const before = exiftoolChildren();
    await s.ready();
    const started = [...exiftoolChildren().keys()].filter((pid) => !before.has(pid));
    expect(started).toHaveLength(1);
    expect(exiftoolChildren().get(started[0]!)).toContain('-stay_open');
    await Promise.all([...Object.values(samples), ...Object.values(samples)].map((c) => exifOf(c, s)));
    expect([...exiftoolChildren().keys()].filter((pid) => !before.has(pid))).toEqual(started);
    await s.close();
    await vi.waitFor(() => expect(exiftoolChildren().has(started[0]!)).toBe(false), { timeout: 5000 });
  });

  it('logs the wrapper’s lifecycle lines (BatchCluster.end()) at debug, not info', async () => {
    const lines: string[] = [];
    const s = new Stoq({ alwaysDispatch: ['exif'], logLevel: 'debug', logDestination: { write: (line: string) => void lines.push(line) } });
    await s.ready();
    await s.close();
    const records = lines.map((l) => JSON.parse(l) as { level: number; msg: string; plugin?: string });
    expect(records.find((r) => r.msg === 'BatchCluster.end()')).toMatchObject({ level: 20, plugin: 'exif' });
    expect(records.filter((r) => r.plugin === 'exif' && r.level >= 30)).toEqual([]);
  });

  it('uses another exiftool when `bin` names one', async () => {
    const version = Number(execFileSync(DEBIAN_EXIFTOOL, ['-ver']).toString().trim());
    const s = new Stoq({ alwaysDispatch: ['exif'], pluginOpts: { exif: { bin: DEBIAN_EXIFTOOL } }, logLevel: 'silent' });
    try {
      const tags = await exifOf(samples['pdf']!, s);
      expect(tags['ExifToolVersion']).toBe(version);
      expect(tags).toMatchObject({ SourceFile: '-', FileType: 'PDF', PageCount: 3 });
    } finally {
      await s.close();
    }
  });

  it('fails to load, naming the path, when `bin` is not an executable', async () => {
    const s = new Stoq({ alwaysDispatch: ['exif'], pluginOpts: { exif: { bin: join(dir, 'no-such-exiftool') } }, logLevel: 'silent' });
    await expect(s.ready()).rejects.toThrow(/exif.*could not start ExifTool ".*no-such-exiftool": ".*no-such-exiftool" is not an executable file/);
    await s.close();
  });

  it('fails to load at once when `bin` exits instead of answering', async () => {
    const s = new Stoq({ alwaysDispatch: ['exif'], pluginOpts: { exif: { bin: '/bin/true' } }, logLevel: 'silent' });
    await expect(s.ready()).rejects.toThrow(/could not start ExifTool "\/bin\/true": the process exited \(code 0\) before answering/);
    await s.close();
  });

  it('gives up on a silent `bin` after start_timeout and kills it', async () => {
    const silent = join(dir, 'silent-exiftool');
    writeFileSync(silent, '#!/bin/sh\nwhile :; do sleep 1; done\n', { mode: 0o755 });
    const before = exiftoolChildren();
    const s = new Stoq({ alwaysDispatch: ['exif'], pluginOpts: { exif: { bin: silent, start_timeout: 1 } }, logLevel: 'silent' });
    await expect(s.ready()).rejects.toThrow(/could not start ExifTool ".*silent-exiftool": no answer within 1s/);
    await s.close();
    await vi.waitFor(() => expect([...exiftoolChildren().keys()].filter((pid) => !before.has(pid))).toEqual([]), { timeout: 5000 });
  });

  it('honours an aborted call context', async () => {
    const plugin = (await stoq.loadPlugin('exif')) as WorkerPlugin;
    const payload = new Payload(samples['png']!);
    const call = plugin.scan(payload, new Request({ payloads: [payload] }), { signal: AbortSignal.abort(new Error('stop now')), log: stoq.log });
    await expect(Promise.resolve(call)).rejects.toThrow('stop now');
  });

  it('is listed as a worker', async () => {
    expect((await stoq.listPlugins())['exif']?.classes).toEqual(['Worker']);
  });
});
