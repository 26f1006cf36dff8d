import { textDecoder, type TextDecoderLike } from 'rxstoq';
/** Content-Transfer-Encoding and charset decoding, tolerant of damage (as mail clients are). */

const B64 = new Int16Array(256).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) B64[c.charCodeAt(0)] = i;
B64['-'.charCodeAt(0)] = 62;
B64['_'.charCodeAt(0)] = 63;

export interface Decoded {
  bytes: Uint8Array;
  /** What was wrong with the encoded data, if anything. */
  damage?: string;
}

/** Base64 skipping characters outside the alphabet; stops at padding; a dangling 6 bits are dropped. */
export function decodeBase64(src: Uint8Array): Decoded {
  const out = new Uint8Array(Math.floor((src.length * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let bits = 0;
  let junk = 0;
  let i = 0;
  for (; i < src.length; i++) {
    const c = src[i]!;
    if (c === 0x3d) break;
    const v = B64[c]!;
    if (v < 0) {
      if (c !== 0x0d && c !== 0x0a && c !== 0x20 && c !== 0x09) junk++;
      continue;
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  const damage = junk > 0 ? `${junk} bytes outside the base64 alphabet skipped` : bits === 6 ? 'base64 data ends mid-byte' : undefined;
  return damage ? { bytes: out.subarray(0, n), damage } : { bytes: out.subarray(0, n) };
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Quoted-printable: `=XX` escapes, soft line breaks; a malformed `=` is kept as it is. */
export function decodeQuotedPrintable(src: Uint8Array): Decoded {
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c !== 0x3d) {
      out[n++] = c;
      continue;
    }
    // Soft line break: '=' then optional trailing whitespace then (CR)LF.
    let j = i + 1;
    while (j < src.length && (src[j] === 0x20 || src[j] === 0x09)) j++;
    if (j < src.length && src[j] === 0x0d) j++;
    if (j < src.length && src[j] === 0x0a) {
      i = j;
      continue;
    }
    if (j >= src.length) break;
    const hi = hex(src[i + 1] ?? 0);
    const lo = hex(src[i + 2] ?? 0);
    if (hi >= 0 && lo >= 0) {
      out[n++] = (hi << 4) | lo;
      i += 2;
    } else out[n++] = c;
  }
  return { bytes: out.subarray(0, n) };
}

/** Decodes a part body by its Content-Transfer-Encoding (7bit, 8bit, binary and unknown: as is). */
export function decodeTransfer(body: Uint8Array, encoding: string): Decoded {
  const cte = encoding.trim().toLowerCase();
  if (cte === 'base64') return decodeBase64(body);
  if (cte === 'quoted-printable') return decodeQuotedPrintable(body);
  return { bytes: body };
}

/** TextDecoders by charset label, built once (building one costs more than decoding a small part). */
const decoders = new Map<string, TextDecoderLike>();

const ASCII = new Set(['us-ascii', 'ascii', 'ansi_x3.4-1968', 'iso646-us']);

/**
 * Bytes to text in the part's charset, replacing what does not decode with U+FFFD; an unknown
 * charset falls back to UTF-8 (as Python's get_content does). US-ASCII is strict 7-bit here,
 * not the WHATWG alias of Windows-1252.
 */
export function decodeCharset(bytes: Uint8Array, charset: string): string {
  const label = charset.trim().toLowerCase() || 'us-ascii';
  if (ASCII.has(label)) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    return text.replace(/[\x80-\xff]/g, '\ufffd');
  }
  let decoder = decoders.get(label);
  if (!decoder) {
    try {
      decoder = textDecoder(label);
    } catch {
      decoder = new TextDecoder('utf-8');
    }
    // Labels come from the message: keep the cache small whatever a sender writes.
    if (decoders.size < 64) decoders.set(label, decoder);
  }
  return decoder.decode(bytes);
}
