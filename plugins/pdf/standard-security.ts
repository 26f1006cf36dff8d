import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import type { Decryptor, PdfDocument } from './document.js';
import { nameOf, numberOf, type PdfDict, PdfStream, PdfString, type PdfValue } from './objects.js';
import type { EncryptionInfo } from './pdf-result.js';

/** The password padding string of ISO 32000-1 §7.6.3.3 (Algorithm 2). */
const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

const md5 = (...parts: Uint8Array[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = new Uint8Array(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

/** AES-CBC with the IV in the first 16 bytes; bad padding is tolerated (the bytes are kept). */
function aesDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length < 32 || data.length % 16 !== 0) return data.length < 16 ? new Uint8Array(0) : aesNoPad(key, data);
  try {
    const d = createDecipheriv(key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc', key, data.subarray(0, 16));
    return Buffer.concat([d.update(data.subarray(16)), d.final()]);
  } catch {
    return aesNoPad(key, data);
  }
}

function aesNoPad(key: Uint8Array, data: Uint8Array): Uint8Array {
  const body = data.subarray(16, 16 + Math.floor((data.length - 16) / 16) * 16);
  const d = createDecipheriv(key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc', key, data.subarray(0, 16));
  d.setAutoPadding(false);
  return Buffer.concat([d.update(body), d.final()]);
}

const bytesOf = (v: PdfValue | undefined) => (v instanceof PdfString ? v.bytes : new Uint8Array(0));

/**
 * The standard security handler (§7.6.3, and ISO 32000-2 for revision 6) opened with the empty
 * user password, as readers do when a file opens without asking. Undefined when that password is
 * not the user password, or the handler is one this does not know.
 */
export function standardDecryptor(doc: PdfDocument, enc: PdfDict, info: EncryptionInfo): Decryptor | undefined {
  const r = info.r ?? 0;
  const o = bytesOf(enc.get('O'));
  const u = bytesOf(enc.get('U'));
  const methodOf = (m: string | null): 'rc4' | 'aes' | 'none' => (m === 'Identity' || m === 'None' ? 'none' : m === 'AESV2' || m === 'AESV3' ? 'aes' : 'rc4');
  const stm = methodOf(info.stream_method);
  const str = methodOf(info.string_method);
  const encryptMetadata = enc.get('EncryptMetadata') !== false;
  let fileKey: Uint8Array | undefined;
  if (r >= 5) fileKey = aes256Key(enc, u, r);
  else if (r >= 2) {
    const id = doc.resolve(doc.trailer.get('ID'));
    const id0 = Array.isArray(id) ? bytesOf(doc.resolve(id[0])) : new Uint8Array(0);
    const n = r === 2 ? 5 : Math.max(5, Math.min(16, Math.floor((info.length ?? 40) / 8)));
    const p = Buffer.alloc(4);
    p.writeInt32LE((numberOf(enc.get('P')) ?? 0) | 0);
    let key = md5(PAD, o.subarray(0, 32), p, id0, r >= 4 && !encryptMetadata ? Buffer.from([255, 255, 255, 255]) : new Uint8Array(0)).subarray(0, n);
    if (r >= 3) for (let i = 0; i < 50; i++) key = md5(key).subarray(0, n);
    fileKey = userPasswordMatches(key, r, u, id0) ? key : undefined;
  }
  if (!fileKey) return undefined;
  const key = fileKey;
  return {
    decrypt(data, num, gen, kind) {
      const method = kind === 'string' ? str : stm;
      if (method === 'none') return data;
      if (r >= 5) return aesDecrypt(key, data);
      const salt = method === 'aes' ? Buffer.from('sAlT', 'latin1') : new Uint8Array(0);
      const objKey = md5(key, Uint8Array.of(num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, gen & 0xff, (gen >> 8) & 0xff), salt).subarray(
        0,
        Math.min(key.length + 5, 16),
      );
      return method === 'aes' ? aesDecrypt(objKey, data) : rc4(objKey, data);
    },
    skips(value) {
      // Metadata left in clear by /EncryptMetadata false; streams with their own Crypt filter.
      if (!(value instanceof PdfStream)) return false;
      if (!encryptMetadata && nameOf(value.dict.get('Type')) === 'Metadata') return true;
      const f = value.dict.get('Filter');
      return (Array.isArray(f) ? f : [f]).some((x) => nameOf(x) === 'Crypt');
    },
  };
}

function userPasswordMatches(key: Uint8Array, r: number, u: Uint8Array, id0: Uint8Array): boolean {
  if (r === 2) return Buffer.from(rc4(key, PAD)).equals(Buffer.from(u.subarray(0, 32)));
  let x: Uint8Array = rc4(key, md5(PAD, id0));
  for (let i = 1; i <= 19; i++)
    x = rc4(
      key.map((b) => b ^ i),
      x,
    );
  return Buffer.from(x).equals(Buffer.from(u.subarray(0, 16)));
}

/** Revisions 5 and 6 (AES-256): the file key from /UE with the empty password, if it checks against /U. */
function aes256Key(enc: PdfDict, u: Uint8Array, r: number): Uint8Array | undefined {
  const ue = bytesOf(enc.get('UE'));
  if (u.length < 48 || ue.length < 32) return undefined;
  const hash = (salt: Uint8Array) => (r >= 6 ? hash2B(new Uint8Array(0), salt) : createHash('sha256').update(salt).digest());
  if (!Buffer.from(hash(u.subarray(32, 40))).equals(Buffer.from(u.subarray(0, 32)))) return undefined;
  const d = createDecipheriv('aes-256-cbc', hash(u.subarray(40, 48)), Buffer.alloc(16));
  d.setAutoPadding(false);
  return Buffer.concat([d.update(ue.subarray(0, 32)), d.final()]);
}

/** ISO 32000-2 Algorithm 2.B (no owner data: the user password's hash). */
function hash2B(password: Uint8Array, salt: Uint8Array): Uint8Array {
  let k: Uint8Array = createHash('sha256').update(password).update(salt).digest();
  let e: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < 64 || e[e.length - 1]! > i - 32; i++) {
    const k1 = Buffer.concat(Array.from({ length: 64 }, () => Buffer.concat([password, k])));
    const c = createCipheriv('aes-128-cbc', k.subarray(0, 16), k.subarray(16, 32));
    c.setAutoPadding(false);
    e = Buffer.concat([c.update(k1), c.final()]);
    let sum = 0;
    for (let b = 0; b < 16; b++) sum += e[b]!;
    k = createHash(['sha256', 'sha384', 'sha512'][sum % 3]!)
      .update(e)
      .digest();
  }
  return k.subarray(0, 32);
}
