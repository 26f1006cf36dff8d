import { execFileSync } from 'node:child_process';
import { lutimesSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflated, gzip, gzipZeros, stored, tar, zeros, zip, type ZipMember } from './archive-writers.js';
import { jpegWithExif, makePeHeader, pdf, png, tiffIfd } from './images.js';
import { zipQuine } from './zip-quine.js';

/**
 * The hostile corpus: files a scanner is fed by people who want it to fall over. Everything is
 * generated (no downloads), deterministically, in well under a few seconds; the bombs claim tens
 * of GiB to TiB but take a few MiB on disk.
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export interface CorpusFile {
  /** File name; a Buffer when it is not valid UTF-8. */
  name: string | Buffer;
  /** What makes it hostile, for test titles. */
  what: string;
  bytes: Buffer;
}

/** Flip `count` bytes spread evenly over [from, to). */
export function corrupt(bytes: Buffer, from: number, to: number, count = 8): Buffer {
  const out = Buffer.from(bytes);
  const step = Math.max(1, Math.floor((to - from) / count));
  for (let i = from; i < to && i < out.byteLength; i += step) out[i] = out[i]! ^ 0xa5;
  return out;
}

export const truncate = (bytes: Buffer, fraction = 0.5): Buffer => Buffer.from(bytes.subarray(0, Math.floor(bytes.byteLength * fraction)));

const TEXT = 'The quick brown fox jumps over the lazy dog.\n'.repeat(40);

/** A plain zip of a few members (also a fuzzing seed). */
export const seedZip = (): Buffer =>
  zip([
    { name: 'readme.txt', content: TEXT },
    { name: 'dir/data.bin', content: Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7) & 0xff)) },
    { name: 'stored.txt', content: stored('stored, not deflated') },
  ]);

export const seedTar = (): Buffer =>
  tar([
    { name: 'readme.txt', data: TEXT },
    { name: 'dir/', type: '5' },
    { name: 'dir/note.txt', data: 'a note\n' },
  ]);

export const seedGzip = (): Buffer => gzip(TEXT);

/** A 7z archive made by Debian's 7-Zip CLI (`7zz`), from files with fixed times. */
export function seed7z(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'rxstoq-7z-'));
  try {
    writeFileSync(join(dir, 'readme.txt'), TEXT);
    writeFileSync(join(dir, 'data.bin'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13) & 0xff)));
    for (const f of ['readme.txt', 'data.bin']) utimesSync(join(dir, f), 1577836800, 1577836800);
    execFileSync('7zz', ['a', '-t7z', '-mx=9', '-bso0', '-bsp0', 'seed.7z', 'readme.txt', 'data.bin'], { cwd: dir });
    return readFileSync(join(dir, 'seed.7z'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A 7z archive storing symbolic links as links (`-snl`): one absolute, one climbing out. */
function symlinks7z(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'rxstoq-7z-'));
  try {
    symlinkSync('/etc/passwd', join(dir, 'passwd-link'));
    symlinkSync('../../../x', join(dir, 'escape-link'));
    writeFileSync(join(dir, 'plain.txt'), 'plain\n');
    for (const f of ['passwd-link', 'escape-link', 'plain.txt']) lutimesSync(join(dir, f), 1577836800, 1577836800);
    execFileSync('7zz', ['a', '-t7z', '-snl', '-bso0', '-bsp0', 'links.7z', 'passwd-link', 'escape-link', 'plain.txt'], { cwd: dir });
    return readFileSync(join(dir, 'links.7z'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * 42.zip's shape: `levels` of zips each holding 16 copies of the one below, the last holding 16
 * members of `leafSize` zeros. Deflate output of zeros is itself very repetitive, so every level
 * deflates well again. 16^levels x 16 x leafSize bytes in all.
 */
export function nestedBomb(levels = 4, leafSize = 64 * MiB): Buffer {
  const leafData = zeros(leafSize);
  let level = zip(Array.from({ length: 16 }, (_, i) => ({ name: `${i.toString(16)}.bin`, content: leafData })));
  for (let depth = levels - 1; depth >= 0; depth--) {
    const child = deflated(level);
    level = zip(Array.from({ length: 16 }, (_, i) => ({ name: `lib ${depth}-${i.toString(16)}.zip`, content: child })));
  }
  return level;
}

const TRAVERSAL_NAMES = ['../../x', '/etc/x', '..\\..\\x', 'a/../../../x', 'ok.txt'];

/** The corpus, in a fixed order. */
export function hostileCorpus(): CorpusFile[] {
  const zipSeed = seedZip();
  const sevenSeed = seed7z();
  const gzSeed = seedGzip();
  const jpegSeed = jpegWithExif();
  const pdfSeed = pdf();
  const peSeed = makePeHeader(1024);
  // The local header of the first zip member is 30 bytes plus its name; its deflate data follows.
  const firstData = 30 + 'readme.txt'.length;

  return [
    {
      name: 'bomb-10g.zip',
      what: 'zip bomb: 11 members of 1 GiB of zeros (11 GiB from ~11 MiB)',
      bytes: (() => {
        const gib = zeros(GiB);
        return zip(Array.from({ length: 11 }, (_, i) => ({ name: `zeros-${i}.bin`, content: gib })));
      })(),
    },
    {
      name: 'bomb-12g.gz',
      what: 'gzip bomb: 12 GiB of zeros whose trailer claims 1,000 bytes',
      bytes: gzipZeros(12 * GiB + 1000),
    },
    {
      name: 'bomb-sublimit.zip',
      what: 'zip bomb of 40 distinct 40 MiB members, each under the per-member size limit',
      bytes: zip(Array.from({ length: 40 }, (_, i) => ({ name: `part-${i}.bin`, content: zeros(40 * MiB, Buffer.from(`part ${i}`)) }))),
    },
    { name: 'nested-42.zip', what: '42.zip-style nested bomb: 16^5 x 64 MiB (64 TiB)', bytes: nestedBomb() },
    { name: 'quine.zip', what: 'zip quine: its one member is the zip itself', bytes: zipQuine() },
    {
      name: 'traversal.zip',
      what: 'zip with ../../x, /etc/x, ..\\..\\x and a/../../../x members',
      bytes: zip(TRAVERSAL_NAMES.map((name): ZipMember => ({ name, content: `written as ${name}\n` }))),
    },
    {
      name: 'traversal.tar',
      what: 'tar with ../../x, /etc/x, ..\\..\\x and a/../../../x members',
      bytes: tar(TRAVERSAL_NAMES.map((name) => ({ name, data: `written as ${name}\n` }))),
    },
    {
      name: 'symlinks.tar',
      what: 'tar with links to /etc and out of the tree, then files written through them',
      bytes: tar([
        { name: 'passwd', type: '2', link: '/etc/passwd' },
        { name: 'up', type: '2', link: '../../..' },
        { name: 'up/x', data: 'through a symlink\n' },
        { name: 'etc', type: '2', link: '/etc' },
        { name: 'etc/x', data: 'through an absolute symlink\n' },
        { name: 'hard', type: '1', link: '/etc/passwd' },
      ]),
    },
    {
      name: 'symlinks.zip',
      what: 'zip with Unix symlink members (absolute and climbing) and a file written through one',
      bytes: zip([
        { name: 'passwd', content: stored('/etc/passwd'), unixMode: 0o120777 },
        { name: 'up', content: stored('../../..'), unixMode: 0o120777 },
        { name: 'up/x', content: 'through a symlink\n' },
      ]),
    },
    { name: 'symlinks.7z', what: '7z with symlinks stored as links (7zz -snl)', bytes: symlinks7z() },
    { name: 'truncated.zip', what: 'zip cut in half (no central directory)', bytes: truncate(zipSeed) },
    { name: 'corrupt.zip', what: 'zip whose first member has damaged deflate data', bytes: corrupt(zipSeed, firstData + 4, firstData + 60) },
    { name: 'truncated.7z', what: '7z cut in half', bytes: truncate(sevenSeed) },
    { name: 'corrupt.7z', what: '7z with damaged packed streams', bytes: corrupt(sevenSeed, 32, sevenSeed.byteLength - 64, 16) },
    { name: 'truncated.gz', what: 'gzip cut in half', bytes: truncate(gzSeed) },
    { name: 'corrupt.gz', what: 'gzip with damaged deflate data', bytes: corrupt(gzSeed, 12, gzSeed.byteLength - 8) },
    { name: 'truncated.jpg', what: 'JPEG cut inside its EXIF segment', bytes: truncate(jpegSeed, 0.15) },
    {
      name: 'corrupt.jpg',
      what: 'JPEG whose EXIF IFD claims 65,535 entries and loops back to itself',
      bytes: (() => {
        const tiff = tiffIfd([{ tag: 0x010f, ascii: 'rxstoq' }], 8);
        tiff.writeUInt16LE(0xffff, 8);
        return jpegWithExif(tiff);
      })(),
    },
    { name: 'truncated.pdf', what: 'PDF cut in its content stream (no xref, no trailer)', bytes: truncate(pdfSeed, 0.6) },
    {
      name: 'corrupt.pdf',
      what: 'PDF with a page tree that contains itself, a stream longer than the file and a bad xref',
      bytes: (() => {
        const bad = pdf([
          '<< /Type /Catalog /Pages 2 0 R >>',
          '<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2147483647 >>',
          '<< /Type /Page /Parent 3 0 R /Contents 4 0 R >>',
          '<< /Length 99999999999 /Filter /FlateDecode >>\nstream\nnot deflate at all\nendstream',
          '<< /Title (corrupt) /Author 5 0 R >>',
        ]);
        return Buffer.from(bad.toString('latin1').replace(/startxref\n\d+/, 'startxref\n987654321'), 'latin1');
      })(),
    },
    { name: 'truncated.exe', what: 'PE cut before the PE header e_lfanew points at', bytes: truncate(peSeed, 0.1) },
    {
      name: 'corrupt.exe',
      what: 'PE whose e_lfanew points past the end and whose header claims 65,535 sections',
      bytes: (() => {
        const b = Buffer.from(peSeed);
        b.writeUInt16LE(0xffff, 0x86);
        b.writeUInt16LE(0xffff, 0x94);
        b.writeUInt32LE(0xfffffff0, 0x3c);
        return b;
      })(),
    },
    {
      name: 'badname.zip',
      what: 'zip member names that are not valid UTF-8 although flagged as UTF-8',
      bytes: zip([
        { name: Buffer.from([0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74]), content: 'bad name\n', flags: 0x800 },
        { name: Buffer.from([0x63, 0x30, 0xc0, 0xaf, 0x78]), content: 'overlong slash\n', flags: 0x800 },
      ]),
    },
    { name: 'empty', what: '0-byte file', bytes: Buffer.alloc(0) },
    {
      name: Buffer.from([0x6e, 0x6f, 0x6e, 0x2d, 0x75, 0x74, 0x66, 0x38, 0x2d, 0xff, 0xfe, 0x80, 0x2e, 0x74, 0x78, 0x74]),
      what: 'file name that is not valid UTF-8',
      bytes: Buffer.from('a file with a name no UTF-8 decoder accepts\n'),
    },
    { name: 'image.png', what: 'a valid PNG (control)', bytes: png() },
  ];
}

/** Bytes of the file that is over the size limit the hostile tests configure. */
export const OVERSIZE_LIMIT = 16 * MiB;
export const oversizeFile = (): CorpusFile => ({ name: 'oversize.bin', what: 'file over max_payload_size', bytes: Buffer.alloc(OVERSIZE_LIMIT + 1, 0x41) });

/** Write the corpus (plus the oversize file) into `dir`; returns each file's path as a Buffer. */
export function writeCorpus(dir: string, files = [...hostileCorpus(), oversizeFile()]): Array<CorpusFile & { path: Buffer }> {
  mkdirSync(dir, { recursive: true });
  return files.map((f) => {
    const path = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(f.name)]);
    writeFileSync(path, f.bytes);
    return { ...f, path };
  });
}
