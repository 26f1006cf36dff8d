/**
 * Reads a zip's directory and inflates chosen members on demand, each within a byte budget: a
 * member declaring more is refused from the directory, and one that inflates past it anyway (a
 * zip's declared sizes are just numbers) is stopped by zlib's maxOutputLength, so no more than
 * the budget is ever allocated. Without an end of central directory record (a truncated zip),
 * members are found by walking local headers instead.
 *
 * Inflation is node:zlib's rather than fflate's: on a 30 MB run of whitespace, fflate's streaming
 * inflater (fed 1 KB slices, so it can be stopped) took 3-4 times as long as zlib to reach a
 * 10 MB budget, and its one-shot inflater with a fixed output buffer truncates silently.
 */
import { inflateRawSync } from 'node:zlib';

export interface ZipMember {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  /** Offset of the local file header. */
  localOffset: number;
}

export interface ZipDirectory {
  members: ZipMember[];
  /** How the members were found. */
  source: 'central_directory' | 'local_headers';
  problems: string[];
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class MemberTooLarge extends Error {}

export function readZipDirectory(b: Uint8Array, maxMembers: number): ZipDirectory {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (at: number) => (at + 2 <= b.length ? dv.getUint16(at, true) : 0);
  const u32 = (at: number) => (at + 4 <= b.length ? dv.getUint32(at, true) : 0);
  const u64 = (at: number) => (at + 8 <= b.length ? Number(dv.getBigUint64(at, true)) : 0);
  const problems: string[] = [];
  let eocd = -1;
  for (let p = b.length - 22; p >= Math.max(0, b.length - 22 - 0xffff); p--) {
    if (u32(p) === EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) {
    problems.push('no end of central directory record (truncated?); members found from local headers');
    return { members: walkLocalHeaders(b, maxMembers, problems), source: 'local_headers', problems };
  }
  let count = u16(eocd + 10);
  let cdOffset = u32(eocd + 16);
  if ((count === 0xffff || cdOffset === 0xffffffff) && u32(eocd - 20) === ZIP64_LOCATOR) {
    const z = u64(eocd - 20 + 8);
    if (u32(z) === ZIP64_EOCD) {
      count = u64(z + 32);
      cdOffset = u64(z + 48);
    }
  }
  const members: ZipMember[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (members.length >= maxMembers) {
      problems.push(`more than ${maxMembers} members (max_members); the rest are not read`);
      break;
    }
    if (u32(p) !== CENTRAL) {
      problems.push(`central directory entry ${i} of ${count} is missing or damaged at offset ${p}`);
      break;
    }
    const nameLength = u16(p + 28);
    const extraLength = u16(p + 30);
    const m: ZipMember = {
      flags: u16(p + 8),
      method: u16(p + 10),
      compressedSize: u32(p + 20),
      size: u32(p + 24),
      localOffset: u32(p + 42),
      name: decodeName(b.subarray(p + 46, p + 46 + nameLength), u16(p + 8)),
    };
    zip64Extra(b, p + 46 + nameLength, extraLength, m);
    members.push(m);
    p += 46 + nameLength + extraLength + u16(p + 32);
  }
  return { members, source: 'central_directory', problems };
}

/** Zip64 extended information: the 0xFFFFFFFF fields, in order, as 64-bit values. */
function zip64Extra(b: Uint8Array, at: number, length: number, m: ZipMember): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = at;
  while (p + 4 <= at + length && p + 4 <= b.length) {
    const id = dv.getUint16(p, true);
    const size = dv.getUint16(p + 2, true);
    if (id === 0x0001) {
      let q = p + 4;
      const next = () => {
        const v = q + 8 <= b.length ? Number(dv.getBigUint64(q, true)) : 0;
        q += 8;
        return v;
      };
      if (m.size === 0xffffffff) m.size = next();
      if (m.compressedSize === 0xffffffff) m.compressedSize = next();
      if (m.localOffset === 0xffffffff) m.localOffset = next();
      return;
    }
    p += 4 + size;
  }
}

function walkLocalHeaders(b: Uint8Array, maxMembers: number, problems: string[]): ZipMember[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const members: ZipMember[] = [];
  let p = 0;
  while (p + 30 <= b.length && dv.getUint32(p, true) === LOCAL && members.length < maxMembers) {
    const flags = dv.getUint16(p + 6, true);
    const nameLength = dv.getUint16(p + 26, true);
    const extraLength = dv.getUint16(p + 28, true);
    const m: ZipMember = {
      flags,
      method: dv.getUint16(p + 8, true),
      compressedSize: dv.getUint32(p + 18, true),
      size: dv.getUint32(p + 22, true),
      localOffset: p,
      name: decodeName(b.subarray(p + 30, p + 30 + nameLength), flags),
    };
    if (flags & 0x08) {
      problems.push(`local header of ${JSON.stringify(m.name)} defers its sizes to a data descriptor; members after it are not found`);
      break;
    }
    members.push(m);
    p += 30 + nameLength + extraLength + m.compressedSize;
  }
  return members;
}

const UTF8 = new TextDecoder('utf-8');
const LATIN1 = new TextDecoder('latin1');

function decodeName(bytes: Uint8Array, flags: number): string {
  // Bit 11: UTF-8; otherwise CP437, whose ASCII half is all OOXML part names use.
  return (flags & 0x800 ? UTF8 : LATIN1).decode(bytes);
}

/**
 * A member's bytes, inflated up to `max` bytes; MemberTooLarge when it holds more. Damaged data
 * throws the inflater's error.
 */
export function readMember(b: Uint8Array, m: ZipMember, max: number): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (m.localOffset + 30 > b.length || dv.getUint32(m.localOffset, true) !== LOCAL) throw new Error('local header missing');
  const start = m.localOffset + 30 + dv.getUint16(m.localOffset + 26, true) + dv.getUint16(m.localOffset + 28, true);
  const data = b.subarray(start, Math.min(b.length, start + m.compressedSize));
  if (m.flags & 0x01) throw new Error('encrypted member');
  if (m.method === 0) {
    if (data.length > max) throw new MemberTooLarge(`stored member is ${data.length} bytes`);
    if (data.length < m.compressedSize) throw new Error(`ends after ${data.length} of ${m.compressedSize} bytes`);
    return data.slice();
  }
  if (m.method !== 8) throw new Error(`compression method ${m.method} not supported`);
  if (m.size > max) throw new MemberTooLarge(`declares ${m.size} bytes`);
  try {
    return new Uint8Array(inflateRawSync(data, { maxOutputLength: max }));
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new MemberTooLarge(`inflates past ${max} bytes`);
    throw new Error(`damaged deflate data (${(e as Error).message})`);
  }
}
