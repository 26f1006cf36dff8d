import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Payload, PayloadMeta, Request, Stoq, StoqError, type CallContext, type WorkerResponse } from 'rxstoq';
import { makeJpeg, pseudoRandom, sevenZip, sevenZipExtract, sevenZipList } from '../../test/support/samples.js';
import { gzipZeros, zeros, zip } from '../../test/hostile/archive-writers.js';
import type { DecompressPlugin } from './decompress.js';

const stoqs: Stoq[] = [];
function newStoq(options: ConstructorParameters<typeof Stoq>[0] = {}): Stoq {
  const stoq = new Stoq({ logLevel: 'silent', ...options });
  stoqs.push(stoq);
  return stoq;
}
async function loadDecompress(options: Record<string, unknown> = {}): Promise<DecompressPlugin> {
  return (await newStoq({ pluginOpts: { decompress: options } }).loadPlugin('decompress')) as DecompressPlugin;
}
const ctx = (signal = new AbortController().signal): CallContext => ({ signal, log: stoqs[0]!.log });

function scanFile(plugin: DecompressPlugin, path: string, extra: Record<string, unknown> = {}): Promise<WorkerResponse> {
  const payload = new Payload(readFileSync(path), new PayloadMeta({ extra_data: { filename: path.split('/').pop(), ...extra } }));
  return plugin.scan(payload, new Request(), ctx());
}
const members = (r: WorkerResponse) =>
  r.extracted
    .map((e) => ({ path: e.payload_meta.extra_data['filename'] as string, size: Buffer.from(e.content).byteLength }))
    .sort((a, b) => a.path.localeCompare(b.path));
const sorted = <T extends { path: string }>(xs: T[]) => [...xs].sort((a, b) => a.path.localeCompare(b.path));

let tmp: string;
let tree: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rxstoq-decompress-'));
  tree = join(tmp, 'tree');
  mkdirSync(join(tree, 'docs', 'deeper'), { recursive: true });
  writeFileSync(join(tree, 'readme.txt'), 'top level text\n');
  writeFileSync(join(tree, 'docs', 'photo.jpg'), makeJpeg());
  writeFileSync(join(tree, 'docs', 'deeper', 'noise.bin'), pseudoRandom(70_000));
  writeFileSync(join(tree, 'docs', 'empty.txt'), '');
});
afterAll(async () => {
  await Promise.all(stoqs.map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
});

describe('decompress vs 7zz l (Debian 7-Zip)', () => {
  for (const type of ['zip', '7z', 'tar'] as const) {
    it(`extracts the same members and sizes as 7zz lists for ${type}`, async () => {
      const archive = join(tmp, `tree.${type}`);
      sevenZip(['a', `-t${type}`, archive, '.'], tree);
      const response = await scanFile(await loadDecompress(), archive);
      expect(response.results).toEqual({});
      expect(response.errors).toEqual([]);
      const listed = sevenZipList(archive);
      expect(listed.length).toBe(4);
      expect(members(response)).toEqual(sorted(listed));
      expect(members(response)).toEqual(sorted(sevenZipExtract(archive)));
    });
  }

  it('extracts the same members and sizes as 7zz lists for an ISO 9660 image (xorriso)', async () => {
    const archive = join(tmp, 'tree.iso');
    execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-J', '-o', archive, tree], { stdio: 'ignore' });
    const response = await scanFile(await loadDecompress(), archive);
    expect(response.errors).toEqual([]);
    expect(members(response)).toEqual(sorted(sevenZipList(archive)));
    expect(members(response).map((m) => m.path)).toContain('docs/deeper/noise.bin');
  });

  it('extracts the same members and sizes as 7zz lists for a cabinet (gcab)', async () => {
    const archive = join(tmp, 'tree.cab');
    execFileSync('gcab', ['-c', '-z', archive, 'readme.txt', 'docs/photo.jpg', 'docs/deeper/noise.bin'], { cwd: tree });
    const response = await scanFile(await loadDecompress(), archive);
    expect(response.errors).toEqual([]);
    expect(members(response)).toEqual(sorted(sevenZipList(archive)));
    expect(members(response)).toHaveLength(3);
  });

  for (const [type, ext] of [
    ['gzip', 'gz'],
    ['bzip2', 'bz2'],
    ['xz', 'xz'],
  ] as const) {
    it(`decompresses a ${type} stream like 7zz x`, async () => {
      const archive = join(tmp, `noise.bin.${ext}`);
      sevenZip(['a', `-t${type}`, archive, 'docs/deeper/noise.bin'], tree);
      const response = await scanFile(await loadDecompress(), archive);
      expect(members(response)).toEqual(sorted(sevenZipExtract(archive)));
      expect(members(response)).toEqual([{ path: 'noise.bin', size: 70_000 }]);
      expect(Buffer.from(response.extracted[0]!.content).equals(readFileSync(join(tree, 'docs', 'deeper', 'noise.bin')))).toBe(true);
    });
  }

  it('unpacks nested archives level by level as 7zz lists them: zip in 7z in tar.gz', async () => {
    const zip = join(tmp, 'inner.zip');
    sevenZip(['a', '-tzip', zip, 'readme.txt', 'docs'], tree);
    const level = join(tmp, 'nest');
    mkdirSync(level);
    writeFileSync(join(level, 'inner.zip'), readFileSync(zip));
    writeFileSync(join(level, 'sibling.txt'), 'next to the zip\n');
    sevenZip(['a', '-t7z', join(tmp, 'middle.7z'), '.'], level);
    const tarDir = join(tmp, 'tarroot');
    mkdirSync(tarDir);
    writeFileSync(join(tarDir, 'middle.7z'), readFileSync(join(tmp, 'middle.7z')));
    sevenZip(['a', '-ttar', join(tmp, 'outer.tar'), 'middle.7z'], tarDir);
    writeFileSync(join(tmp, 'outer.tar.gz'), gzipSync(readFileSync(join(tmp, 'outer.tar'))));

    const plugin = await loadDecompress();
    let current = join(tmp, 'outer.tar.gz');
    const seen: string[] = [];
    for (const next of ['outer.tar', 'middle.7z', 'inner.zip', '']) {
      const response = await scanFile(plugin, current);
      expect(response.errors).toEqual([]);
      expect(members(response), current).toEqual(sorted(sevenZipList(current)));
      seen.push(...members(response).map((m) => m.path));
      if (!next) break;
      const child = response.extracted.find((e) => e.payload_meta.extra_data['filename'] === next)!;
      // The next level is saved under its member name: 7zz derives gzip member names from it.
      current = join(tmp, next);
      writeFileSync(current, child.content);
    }
    expect(seen).toEqual(
      expect.arrayContaining(['outer.tar', 'middle.7z', 'inner.zip', 'sibling.txt', 'readme.txt', 'docs/photo.jpg', 'docs/deeper/noise.bin']),
    );
  });

  it('extracts a zip encrypted with "infected" by trying the default passwords', async () => {
    const archive = join(tmp, 'locked.zip');
    sevenZip(['a', '-tzip', '-pinfected', archive, 'readme.txt', 'docs'], tree);
    expect(() => execFileSync('7zz', ['t', '-pwrong', archive], { stdio: 'ignore' })).toThrow();
    const response = await scanFile(await loadDecompress(), archive);
    expect(response.errors).toEqual([]);
    expect(members(response)).toEqual(sorted(sevenZipList(archive, 'infected')));
    const readme = response.extracted.find((e) => e.payload_meta.extra_data['filename'] === 'readme.txt')!;
    expect(Buffer.from(readme.content).toString()).toBe('top level text\n');
  });

  it('reports an Error, and no garbage members, when no password fits', async () => {
    const archive = join(tmp, 'locked-hard.zip');
    sevenZip(['a', '-tzip', '-pnot-in-the-list', archive, 'readme.txt'], tree);
    const response = await scanFile(await loadDecompress({ passwords: ['-', 'infected'] }), archive);
    expect(response.extracted).toEqual([]);
    expect(response.errors).toHaveLength(1);
    expect(String(response.errors[0]!.toString())).toMatch(/Wrong password : readme\.txt/);
  });

  it('uses per-payload passwords from extra_data.passwords', async () => {
    const archive = join(tmp, 'locked-custom.zip');
    sevenZip(['a', '-tzip', '-psesame', archive, 'readme.txt'], tree);
    const response = await scanFile(await loadDecompress(), archive, { passwords: 'nope,sesame' });
    expect(response.errors).toEqual([]);
    expect(members(response)).toEqual([{ path: 'readme.txt', size: 15 }]);
  });
});

describe('decompress behaviour', () => {
  it('returns nothing and no error for a payload that is not an archive', async () => {
    const plugin = await loadDecompress();
    const response = await plugin.scan(new Payload('just some text, not an archive'), new Request(), ctx());
    expect(response.results).toEqual({});
    expect(response.extracted).toEqual([]);
    expect(response.errors).toEqual([]);
  });

  it('drops members larger than maximum_size with an Error naming them', async () => {
    const dir = join(tmp, 'sizes');
    mkdirSync(dir);
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(5000, 1));
    writeFileSync(join(dir, 'small.txt'), 'small');
    sevenZip(['a', '-tzip', join(tmp, 'sizes.zip'), '.'], dir);
    const response = await scanFile(await loadDecompress({ maximum_size: 4000 }), join(tmp, 'sizes.zip'));
    expect(members(response)).toEqual([{ path: 'small.txt', size: 5 }]);
    expect(response.errors.map((e) => e.toString())).toEqual([expect.stringMatching(/too large \(> 4000 bytes\).*big\.bin/)]);
  });

  it('refuses an input larger than maximum_size', async () => {
    const plugin = await loadDecompress({ maximum_size: 10 });
    await expect(plugin.scan(new Payload(Buffer.alloc(11)), new Request(), ctx())).rejects.toThrow('Compressed file too large: 11 > 10');
  });

  it('keeps members inside its private file system: traversal names and links', async () => {
    const src = join(tmp, 'evil');
    mkdirSync(join(src, 'a'), { recursive: true });
    writeFileSync(join(src, 'evil.txt'), 'evil');
    writeFileSync(join(src, 'a', 'ok.txt'), 'ok');
    symlinkSync('/etc/passwd', join(src, 'a', 'passwd-link'));
    symlinkSync('../../../outside', join(src, 'a', 'up-link'));
    const escapeTo = join(tmp, 'escaped');
    const archive = join(tmp, 'evil.tar');
    execFileSync('tar', ['-cPf', archive, '--transform', `s,^evil.txt,../../evil.txt,`, 'evil.txt', 'a'], { cwd: src });
    execFileSync('tar', ['-rPf', archive, '--transform', `s,^evil.txt,${escapeTo}/abs.txt,`, 'evil.txt'], { cwd: src });
    expect(sevenZipList(archive).map((m) => m.path)).toEqual(expect.arrayContaining(['../../evil.txt', `${escapeTo}/abs.txt`]));

    const response = await scanFile(await loadDecompress(), archive);
    const names = members(response).map((m) => m.path);
    expect(names).toEqual(expect.arrayContaining(['evil.txt', 'a/ok.txt']));
    expect(names.some((n) => n.startsWith('/') || n.split('/').includes('..'))).toBe(false);
    expect(names.some((n) => n.includes('link'))).toBe(false);
    expect(existsSync(escapeTo)).toBe(false);
    expect(existsSync(join(tmp, '..', '..', 'evil.txt'))).toBe(false);
  });

  it('honours extra_data.archiver as a 7-Zip format, and refuses what 7-Zip cannot open that way', async () => {
    const archive = join(tmp, 'fmt.zip');
    sevenZip(['a', '-tzip', archive, 'readme.txt'], tree);
    const plugin = await loadDecompress();
    expect(members(await scanFile(plugin, archive, { archiver: 'zip' }))).toEqual([{ path: 'readme.txt', size: 15 }]);
    expect(members(await scanFile(plugin, archive, { archiver: '7z' }))).toEqual([{ path: 'readme.txt', size: 15 }]);
    const asTar = await scanFile(plugin, archive, { archiver: 'tar' });
    expect(asTar.extracted).toEqual([]);
    expect(asTar.errors.map(String)).toEqual([expect.stringMatching(/Cannot open the file as \[?tar/i)]);
    const unace = await scanFile(plugin, archive, { archiver: 'unace' });
    expect(unace.errors.map(String)).toEqual([expect.stringContaining('unace')]);
    await expect(scanFile(plugin, archive, { archiver: 'x; rm -rf /' })).rejects.toThrow('Unknown archive type');
  });

  it('marks extracted payloads with archive_extracted and always_dispatch', async () => {
    const archive = join(tmp, 'meta.zip');
    sevenZip(['a', '-tzip', archive, 'readme.txt'], tree);
    const plain = await scanFile(await loadDecompress(), archive);
    expect(plain.extracted[0]!.payload_meta).toMatchObject({ should_archive: true, dispatch_to: [], extra_data: { filename: 'readme.txt' } });
    const custom = await scanFile(await loadDecompress({ archive_extracted: 'false', always_dispatch: 'hash, yara' }), archive);
    expect(custom.extracted[0]!.payload_meta).toMatchObject({ should_archive: false, dispatch_to: ['hash', 'yara'] });
  });
});

/** A small zip that takes a while to extract: 48 MB of zeros (just under maximum_size). */
function bigZip(): Buffer {
  const archive = join(tmp, 'big.zip');
  if (!existsSync(archive)) {
    const dir = mkdtempSync(join(tmp, 'big-'));
    writeFileSync(join(dir, 'zeros.bin'), Buffer.alloc(48_000_000));
    sevenZip(['a', '-tzip', '-mx=1', archive, 'zeros.bin'], dir);
    rmSync(dir, { recursive: true });
  }
  return readFileSync(archive);
}

describe('decompress size budgets', () => {
  const payload = (bytes: Buffer, filename: string) => new Payload(bytes, new PayloadMeta({ extra_data: { filename } }));

  it('leaves out members whose listed size is over maximum_size, without inflating them', async () => {
    // 1 GiB of zeros in 1 MiB: extracted, it would take seconds and 1 GiB; refused, neither.
    const archive = zip([
      { name: 'small.txt', content: 'small' },
      { name: 'huge.bin', content: zeros(1024 ** 3) },
      { name: 'after.txt', content: 'after' },
    ]);
    const plugin = await loadDecompress();
    const response = await plugin.scan(payload(archive, 'bomb.zip'), new Request(), ctx());
    expect(members(response)).toEqual([
      { path: 'after.txt', size: 5 },
      { path: 'small.txt', size: 5 },
    ]);
    expect(response.errors.map((e) => StoqError.from(e).error)).toEqual([
      'Extracted object is too large (> 50000000 bytes), not extracted: huge.bin (the archive lists 1073741824 bytes)',
    ]);
  });

  it('leaves out the members past maximum_total_size, in archive order, with one Error counting them', async () => {
    const archive = zip(Array.from({ length: 5 }, (_, i) => ({ name: `m${i}.bin`, content: Buffer.alloc(1000, i) })));
    const plugin = await loadDecompress({ maximum_total_size: 2500 });
    const response = await plugin.scan(payload(archive, 'five.zip'), new Request(), ctx());
    expect(members(response).map((m) => m.path)).toEqual(['m0.bin', 'm1.bin']);
    expect(response.errors.map((e) => StoqError.from(e).error)).toEqual([
      'Archive members exceed maximum_total_size (2500 bytes) in all: 3 member(s) not extracted, 3000 bytes listed: m2.bin, m3.bin, m4.bin',
    ]);
  });

  it('stops 7-Zip on a member that grows past maximum_size although its headers say it is small', async () => {
    // A gzip trailer holds the size modulo 4 GiB: this 4 GiB + 100 bytes stream claims 100 bytes.
    const plugin = await loadDecompress({ maximum_size: 10_000_000 });
    const response = await plugin.scan(payload(gzipZeros(4 * 1024 ** 3 + 100), 'liar.gz'), new Request(), ctx());
    expect(response.extracted).toEqual([]);
    expect(response.errors).toHaveLength(1);
    expect(StoqError.from(response.errors[0]).error).toBe(
      'Extracted object is too large (> 10000000 bytes), not extracted: liar grew past the size its archive headers give; 7-Zip was stopped there and later members were not extracted',
    );
  });

  it('stops 7-Zip when the output passes maximum_total_size although the headers add up to less', async () => {
    const lying = gzipZeros(4 * 1024 ** 3 + 100);
    const plugin = await loadDecompress({ maximum_total_size: 500_000 });
    const response = await plugin.scan(payload(lying, 'liar.gz'), new Request(), ctx());
    expect(response.extracted).toEqual([]);
    expect(response.errors.map((e) => StoqError.from(e).error)).toEqual([
      expect.stringMatching(/^Extracted members reached maximum_total_size \(500000 bytes\) while writing liar, /),
    ]);
  });

  it('reports an archive 7-Zip recognises but cannot open (a 7z cut short) as an Error', async () => {
    const archive = join(tmp, 'cut.7z');
    sevenZip(['a', '-t7z', archive, 'readme.txt', 'docs'], tree);
    const whole = readFileSync(archive);
    const plugin = await loadDecompress();
    const response = await plugin.scan(payload(whole.subarray(0, whole.byteLength >> 1), 'cut.7z'), new Request(), ctx());
    expect(response.extracted).toEqual([]);
    expect(response.errors).toHaveLength(1);
    expect(StoqError.from(response.errors[0]).error).toMatch(/^7-Zip could not extract the archive .*Cannot open the file as \[7z\] archive/);
  });
});

describe('decompress in the engine', () => {
  it('extracts and scans the members of a zip routed by the yara dispatcher', async () => {
    const archive = join(tmp, 'routed.zip');
    sevenZip(['a', '-tzip', archive, 'readme.txt', 'docs/deeper/noise.bin'], tree);
    const stoq = newStoq({ alwaysDispatch: [], dispatchers: ['yara'] });
    const response = await stoq.scan(readFileSync(archive), { payloadMeta: new PayloadMeta({ extra_data: { filename: 'routed.zip' } }) });
    const [root, ...children] = response.results;
    expect(root!.plugins_run.workers).toEqual(['decompress']);
    expect(root!.workers['decompress']).toEqual({});
    expect(children.map((c) => c.payload_meta.extra_data['filename']).sort()).toEqual(['docs/deeper/noise.bin', 'readme.txt']);
    for (const child of children) {
      expect(child.extracted_from).toEqual([root!.payload_id]);
      expect(child.extracted_by).toEqual(['decompress']);
    }
    expect(children.find((c) => c.payload_meta.extra_data['filename'] === 'readme.txt')!.size).toBe(15);
    expect(response.errors).toEqual([]);
  });

  it('stops a long extraction at the timeout: an Error in the response and the thread terminated', async () => {
    const stoq = newStoq({ alwaysDispatch: [], pluginOpts: { decompress: { timeout: 0.05 } } });
    const plugin = (await stoq.loadPlugin('decompress')) as DecompressPlugin;
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, plugin.runningExtractions)), 1);
    const response = await stoq.scan(bigZip(), { addStartDispatch: ['decompress'] });
    clearInterval(watch);
    expect(peak).toBe(1);
    expect(response.results).toHaveLength(1);
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.plugin_name).toBe('decompress');
    expect(StoqError.from(response.errors[0]).error).toMatch(/timed out/i);
    await vi.waitFor(() => expect(plugin.runningExtractions).toBe(0), { timeout: 2000, interval: 10 });
  });

  it('terminates running extractions when the scan is cancelled', async () => {
    const plugin = await loadDecompress();
    const controller = new AbortController();
    const pending = plugin.scan(new Payload(bigZip()), new Request(), ctx(controller.signal));
    await vi.waitFor(() => expect(plugin.runningExtractions).toBe(1), { timeout: 2000, interval: 1 });
    controller.abort(new Error('scan cancelled by test'));
    await expect(pending).rejects.toThrow('scan cancelled by test');
    await vi.waitFor(() => expect(plugin.runningExtractions).toBe(0), { timeout: 2000, interval: 10 });
  });
});
