import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { crc32AppendZeros, crc32OfZeros } from './crc32.js';

/**
 * Hand-built archive bytes, so the hostile corpus can say exactly what is in its headers (names
 * no archiver would write, sizes no disk could hold) without any tool in between.
 */

/** Deflate data produced elsewhere, with the sizes and CRC its headers must claim. */
export interface Compressed {
  method: 0 | 8;
  data: Buffer;
  crc: number;
  size: number;
}

export interface ZipMember {
  name: string | Buffer;
  /** Plain content (deflated here), or content compressed by the caller. */
  content: Buffer | string | Compressed;
  /** General-purpose flags; bit 11 says the name is UTF-8. */
  flags?: number;
  /** Unix mode, e.g. 0o120777 for a symbolic link (the content is the link target). */
  unixMode?: number;
}

const u16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
// 2020-01-01 00:00 in DOS format: fixed so the corpus is byte-for-byte reproducible.
const DOS_TIME = 0;
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;

export function deflated(content: Buffer | string): Compressed {
  const data = Buffer.from(content);
  return { method: 8, data: deflateRawSync(data, { level: 9 }), crc: crc32(data) >>> 0, size: data.byteLength };
}

export function stored(content: Buffer | string): Compressed {
  const data = Buffer.from(content);
  return { method: 0, data, crc: crc32(data) >>> 0, size: data.byteLength };
}

/** A zip archive (no zip64: every size must fit 32 bits). */
export function zip(members: ZipMember[], comment = ''): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name);
    const c = typeof m.content === 'string' || Buffer.isBuffer(m.content) ? deflated(m.content) : m.content;
    const flags = m.flags ?? (typeof m.name === 'string' && /[^\x20-\x7e]/.test(m.name) ? 0x800 : 0);
    const common = Buffer.concat([
      u16(20),
      u16(flags),
      u16(c.method),
      u16(DOS_TIME),
      u16(DOS_DATE),
      u32(c.crc),
      u32(c.data.byteLength),
      u32(c.size),
      u16(name.byteLength),
      u16(0),
    ]);
    const local = Buffer.concat([u32(0x04034b50), common, name, c.data]);
    const madeBy = m.unixMode !== undefined ? (3 << 8) | 30 : 20;
    const external = m.unixMode !== undefined ? (m.unixMode << 16) >>> 0 : 0;
    central.push(Buffer.concat([u32(0x02014b50), u16(madeBy), common, u16(0), u16(0), u16(0), u32(external), u32(offset), name]));
    locals.push(local);
    offset += local.byteLength;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.concat([
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(members.length),
    u16(members.length),
    u32(dir.byteLength),
    u32(offset),
    u16(Buffer.byteLength(comment)),
    Buffer.from(comment),
  ]);
  return Buffer.concat([...locals, dir, end]);
}

export interface TarMember {
  name: string | Buffer;
  data?: Buffer | string;
  /** '0' file, '1' hard link, '2' symbolic link, '5' directory. */
  type?: '0' | '1' | '2' | '5';
  link?: string;
}

/** A POSIX ustar archive. Names longer than 100 bytes are not supported (not needed here). */
export function tar(members: TarMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const data = Buffer.from(m.data ?? '');
    const h = Buffer.alloc(512);
    Buffer.from(m.name).copy(h, 0, 0, 100);
    const type = m.type ?? '0';
    h.write(type === '5' ? '0000755\0' : '0000644\0', 100, 'latin1');
    h.write('0000000\0', 108, 'latin1');
    h.write('0000000\0', 116, 'latin1');
    h.write(`${(type === '0' ? data.byteLength : 0).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    h.write(`${(1577836800).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
    h.write(type, 156, 'latin1');
    if (m.link) h.write(m.link, 157, 100, 'latin1');
    h.write('ustar\0' + '00', 257, 'latin1');
    h.write('root', 265, 'latin1');
    h.write('root', 297, 'latin1');
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(h);
    if (type === '0' && data.byteLength > 0) {
      blocks.push(data, Buffer.alloc((512 - (data.byteLength % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** gzip with a fixed header (no name, mtime 0), so its bytes never change. */
export const gzip = (content: Buffer | string): Buffer => gzipSync(Buffer.from(content), { level: 9 });

const HEAD = 64 * 1024;
// Pieces of zeros deflated once and reused; any size is a sum of these plus a small remainder.
const PIECES = [16 * 1024 * 1024, 1024 * 1024, HEAD];
const pieceCache = new Map<number, Buffer>();
const fullFlush = (data: Buffer) => deflateRawSync(data, { level: 9, finishFlush: constants.Z_FULL_FLUSH });

/**
 * A raw deflate stream of `head` followed by zero bytes up to `size`, without deflating the zeros:
 * a chunk of zeros compressed with a full flush (which forgets the history) is a self-contained
 * piece of deflate data that can be repeated; the end is an empty final block. About 1030:1,
 * deflate's best ratio.
 */
export function deflateZeros(size: number, head: Buffer = Buffer.alloc(0)): Buffer {
  const first = Buffer.alloc(Math.min(size, Math.max(HEAD, head.byteLength)));
  head.copy(first);
  const parts: Buffer[] = [fullFlush(first)];
  let left = size - first.byteLength;
  for (const piece of PIECES) {
    if (left < piece) continue;
    let data = pieceCache.get(piece);
    if (!data) pieceCache.set(piece, (data = fullFlush(Buffer.alloc(piece))));
    for (; left >= piece; left -= piece) parts.push(data);
  }
  if (left > 0) parts.push(fullFlush(Buffer.alloc(left)));
  parts.push(deflateRawSync(Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** `size` bytes (`head`, then zeros), deflated, with the CRC a zip header must claim for them. */
export function zeros(size: number, head: Buffer = Buffer.alloc(0)): Compressed {
  return { method: 8, data: deflateZeros(size, head), crc: crc32AppendZeros(crc32(head), size - head.byteLength), size };
}

/** A gzip member of `size` zero bytes; ISIZE holds the size modulo 2^32, as the format says. */
export function gzipZeros(size: number): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
  const trailer = Buffer.concat([u32(crc32OfZeros(size)), u32(size % 2 ** 32)]);
  return Buffer.concat([header, deflateZeros(size), trailer]);
}
