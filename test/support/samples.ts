import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/**
 * Sample files the plugin tests share, built from scratch (no third-party fixtures).
 */

/**
 * A valid baseline JPEG: one 8x8 block of flat grey. The image is a single DC coefficient of 0
 * and an end-of-block code, each coded with a one-symbol Huffman table, so the entropy-coded
 * segment is two bits (padded with ones).
 */
export function makeJpeg(): Buffer {
  const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  const jfif = segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const quant = segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]);
  const frame = segment(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
  const oneSymbol = (tableClass: number) => [(tableClass << 4) | 0, 1, ...new Array<number>(15).fill(0), 0x00];
  const dc = segment(0xc4, oneSymbol(0));
  const ac = segment(0xc4, oneSymbol(1));
  const scan = segment(0xda, [1, 1, 0x00, 0, 63, 0]);
  return Buffer.from([0xff, 0xd8, ...jfif, ...quant, ...frame, ...dc, ...ac, ...scan, 0x3f, 0xff, 0xd9]);
}

/** The start of a PE file: MZ header, DOS stub text, e_lfanew pointing at a PE signature. */
export function makePeHeader(size = 512): Buffer {
  const pe = Buffer.alloc(size);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x80, 0x3c);
  pe.write('This program cannot be run in DOS mode.\r\r\n$', 0x4e, 'latin1');
  pe.write('PE\0\0', 0x80, 'latin1');
  pe.writeUInt16LE(0x14c, 0x84);
  return pe;
}

export function xorWith(data: Uint8Array, key: number[]): Buffer {
  return Buffer.from(data.map((b, i) => b ^ key[i % key.length]!));
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function pseudoRandom(size: number, seed = 0x2545f491): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Run Debian's 7-Zip CLI (package `7zip`, binary `7zz`); throws with its output when it fails. */
export function sevenZip(args: string[], cwd: string): string {
  return execFileSync('7zz', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface ListedMember {
  path: string;
  size: number;
}

/** Files (not folders) of an archive as `7zz l -slt` lists them. */
export function sevenZipList(archive: string, password = '-'): ListedMember[] {
  const out = execFileSync('7zz', ['l', '-slt', `-p${password}`, archive], { encoding: 'utf8' });
  const body = out.slice(out.indexOf('\n----------\n') + 12);
  const members: ListedMember[] = [];
  for (const block of body.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const eq = line.indexOf(' = ');
      if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 3));
    }
    if (!fields.has('Path')) continue;
    const isFolder = fields.get('Folder') === '+' || (fields.get('Attributes') ?? '').startsWith('D');
    if (!isFolder) members.push({ path: fields.get('Path')!, size: Number(fields.get('Size') ?? 0) });
  }
  return members;
}

/**
 * Files (path, size) that `7zz x` writes for an archive. Stream formats (bzip2, xz) list no member
 * name or size, so their listing cannot be compared; their extraction can.
 */
export function sevenZipExtract(archive: string, password = '-'): ListedMember[] {
  const out = mkdtempSync(join(tmpdir(), 'rxstoq-7zz-'));
  try {
    execFileSync('7zz', ['x', `-o${out}`, '-y', `-p${password}`, archive], { stdio: 'ignore' });
    const found: ListedMember[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        const stat = lstatSync(path);
        if (stat.isDirectory()) walk(path);
        else if (stat.isFile()) found.push({ path: relative(out, path), size: stat.size });
      }
    };
    walk(out);
    return found;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
