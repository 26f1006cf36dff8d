/**
 * Encryption of Office documents, recognised (not decrypted): an encrypted OOXML package
 * ([MS-OFFCRYPTO] EncryptionInfo + EncryptedPackage), a Word binary with fEncrypted in its FIB,
 * an Excel workbook with a FILEPASS record, a PowerPoint whose CurrentUserAtom carries the
 * encrypted header token, and IRM/DRM data spaces.
 */
import type { CfbEntry, CfbFile } from './cfb-reader.js';

export interface Encryption {
  encrypted: boolean;
  /** Which container says so: 'ooxml', 'word', 'excel', 'powerpoint'. */
  container: string | null;
  /** 'agile', 'standard', 'extensible', 'rc4', 'rc4_cryptoapi', 'xor', 'obfuscated' (Word XOR), or 'unknown'. */
  method: string | null;
  /** EncryptionInfo's or the RC4 header's version, "major.minor". */
  version: string | null;
  /** Streams under \x06DataSpaces (IRM/DRM), which only protect the content. */
  data_spaces: boolean;
}

type Reader = (entry: CfbEntry, max: number) => Uint8Array;

const u16 = (b: Uint8Array, at: number) => (at + 2 <= b.length ? b[at]! | (b[at + 1]! << 8) : -1);
const u32 = (b: Uint8Array, at: number) => (at + 4 <= b.length ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0 : -1);

/** RC4 headers ([MS-OFFCRYPTO] 2.3.6.1 / 2.3.5.1) start with the version: 1.1 RC4, 2-4.2 CryptoAPI. */
function rc4Method(major: number, minor: number): string {
  if (major === 1 && minor === 1) return 'rc4';
  if (major >= 2 && major <= 4 && minor === 2) return 'rc4_cryptoapi';
  return 'unknown';
}

export function detectEncryption(cfb: CfbFile, read: Reader): Encryption {
  const top = new Map(cfb.entries.filter((e) => !e.path.includes('/')).map((e) => [e.name, e]));
  const out: Encryption = {
    encrypted: false,
    container: null,
    method: null,
    version: null,
    data_spaces: cfb.entries.some((e) => e.path.startsWith('\x06DataSpaces')),
  };
  const info = top.get('EncryptionInfo');
  if (info?.type === 'stream' && top.has('EncryptedPackage')) {
    const b = read(info, 8);
    const major = u16(b, 0);
    const minor = u16(b, 2);
    out.encrypted = true;
    out.container = 'ooxml';
    out.version = `${major}.${minor}`;
    out.method = major === 4 && minor === 4 ? 'agile' : (major === 3 || major === 4) && minor === 3 ? 'extensible' : minor === 2 ? 'standard' : 'unknown';
    return out;
  }
  const word = top.get('WordDocument');
  if (word?.type === 'stream') {
    const fib = read(word, 0x20);
    const flags = u16(fib, 0x0a);
    if (flags >= 0 && flags & 0x0100) {
      out.encrypted = true;
      out.container = 'word';
      if (flags & 0x8000) out.method = 'obfuscated';
      else {
        const table = top.get(flags & 0x0200 ? '1Table' : '0Table');
        const h = table ? read(table, 4) : new Uint8Array(0);
        out.version = h.length === 4 ? `${u16(h, 0)}.${u16(h, 2)}` : null;
        out.method = h.length === 4 ? rc4Method(u16(h, 0), u16(h, 2)) : 'unknown';
      }
    }
    return out;
  }
  const book = top.get('Workbook') ?? top.get('Book');
  if (book?.type === 'stream') {
    const filepass = findFilepass(read(book, 1 << 20));
    if (filepass) {
      out.encrypted = true;
      out.container = 'excel';
      const kind = u16(filepass, 0);
      if (kind === 0) out.method = 'xor';
      else {
        out.version = `${u16(filepass, 2)}.${u16(filepass, 4)}`;
        out.method = rc4Method(u16(filepass, 2), u16(filepass, 4));
      }
    }
    return out;
  }
  const current = top.get('Current User');
  if (current?.type === 'stream' && top.has('PowerPoint Document')) {
    // CurrentUserAtom: 8-byte record header, size, then the header token.
    if (u32(read(current, 16), 12) === 0xf3d1c4df) {
      out.encrypted = true;
      out.container = 'powerpoint';
      out.method = 'rc4_cryptoapi';
    }
  }
  return out;
}

/** The FILEPASS record's data in the workbook globals (before the first EOF), if there is one. */
function findFilepass(stream: Uint8Array): Uint8Array | null {
  let p = 0;
  for (let n = 0; n < 10_000 && p + 4 <= stream.length; n++) {
    const type = u16(stream, p);
    const len = u16(stream, p + 2);
    if (type === 0x002f) return stream.subarray(p + 4, p + 4 + len);
    if (type === 0x000a) return null;
    p += 4 + len;
  }
  return null;
}
