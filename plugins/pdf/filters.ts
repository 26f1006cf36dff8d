import { constants, inflateRawSync, inflateSync } from 'node:zlib';
import { hexValue, isWhite } from './lexer.js';
import { dictOf, nameOf, numberOf, type PdfDict, type PdfValue } from './objects.js';

/** Thrown inside a decoder when its output would pass the byte budget. */
export class DecodeLimit extends Error {}

const ABBREVIATIONS: Record<string, string> = {
  AHx: 'ASCIIHexDecode',
  A85: 'ASCII85Decode',
  LZW: 'LZWDecode',
  Fl: 'FlateDecode',
  RL: 'RunLengthDecode',
  CCF: 'CCITTFaxDecode',
  DCT: 'DCTDecode',
};

/** Image and crypt filters: their data is left as it is (nothing here needs the pixels). */
export const OPAQUE_FILTERS = new Set(['DCTDecode', 'JPXDecode', 'CCITTFaxDecode', 'JBIG2Decode', 'Crypt']);

export function filterNames(dict: PdfDict): string[] {
  const f = dict.get('Filter');
  const list = Array.isArray(f) ? f : f === undefined ? [] : [f];
  return list.map((v) => {
    const n = nameOf(v) ?? '?';
    return ABBREVIATIONS[n] ?? n;
  });
}

function parmsList(dict: PdfDict, count: number): (PdfDict | undefined)[] {
  const p = dict.get('DecodeParms') ?? dict.get('DP');
  const list = Array.isArray(p) ? p : [p];
  return Array.from({ length: count }, (_, i) => dictOf(list[i] as PdfValue | undefined));
}

export interface Decoded {
  data: Uint8Array;
  /** The first filter not applied (an image codec or an unknown name): data stops there. */
  stopped_at?: string;
}

/**
 * Applies the stream's filter chain with an output budget: `limit` bytes at most for any one
 * stage. Throws DecodeLimit past it and Error for data a decoder cannot read.
 */
export function decodeStream(raw: Uint8Array, dict: PdfDict, limit: number): Decoded {
  const names = filterNames(dict);
  const parms = parmsList(dict, names.length);
  let data = raw;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const p = parms[i];
    switch (name) {
      case 'FlateDecode':
        data = predict(inflate(data, limit), p, limit);
        break;
      case 'LZWDecode':
        data = predict(lzw(data, numberOf(p?.get('EarlyChange')) ?? 1, limit), p, limit);
        break;
      case 'ASCIIHexDecode':
        data = asciiHex(data);
        break;
      case 'ASCII85Decode':
        data = ascii85(data, limit);
        break;
      case 'RunLengthDecode':
        data = runLength(data, limit);
        break;
      default:
        return { data, stopped_at: name };
    }
    if (data.length > limit) throw new DecodeLimit();
  }
  return { data };
}

function inflate(data: Uint8Array, limit: number): Uint8Array {
  // Z_SYNC_FLUSH: a truncated or checksum-damaged stream still gives what it holds.
  const opts = { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: limit + 1 };
  const run = (raw: boolean) => {
    try {
      return raw ? inflateRawSync(data, opts) : inflateSync(data, opts);
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw new DecodeLimit();
      throw e;
    }
  };
  // Some writers omit the zlib header: a first byte that is no deflate CMF means raw deflate.
  const out = (data[0]! & 0x0f) === 8 && ((data[0]! << 8) | data[1]!) % 31 === 0 ? run(false) : run(true);
  if (out.length > limit) throw new DecodeLimit();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** PNG (10–15) and TIFF (2, 8 bits per component) predictors (§7.4.4.4). */
function predict(data: Uint8Array, parms: PdfDict | undefined, limit: number): Uint8Array {
  const predictor = numberOf(parms?.get('Predictor')) ?? 1;
  if (predictor < 2) return data;
  const colors = Math.max(1, numberOf(parms?.get('Colors')) ?? 1);
  const bpc = Math.max(1, numberOf(parms?.get('BitsPerComponent')) ?? 8);
  const columns = Math.max(1, numberOf(parms?.get('Columns')) ?? 1);
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLength = Math.ceil((colors * bpc * columns) / 8);
  if (rowLength > limit) throw new DecodeLimit();
  if (predictor === 2) {
    if (bpc !== 8) throw new Error(`TIFF predictor with ${bpc} bits per component is not supported`);
    const out = Uint8Array.from(data);
    for (let row = 0; row < out.length; row += rowLength)
      for (let i = row + bpp; i < Math.min(row + rowLength, out.length); i++) out[i] = (out[i]! + out[i - bpp]!) & 0xff;
    return out;
  }
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLength + 1)]!;
    const src = r * (rowLength + 1) + 1;
    const dst = r * rowLength;
    for (let i = 0; i < rowLength; i++) {
      const raw = data[src + i]!;
      const left = i >= bpp ? out[dst + i - bpp]! : 0;
      const up = r > 0 ? out[dst - rowLength + i]! : 0;
      const upLeft = r > 0 && i >= bpp ? out[dst - rowLength + i - bpp]! : 0;
      let v: number;
      switch (type) {
        case 1:
          v = raw + left;
          break;
        case 2:
          v = raw + up;
          break;
        case 3:
          v = raw + ((left + up) >> 1);
          break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          v = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default:
          v = raw;
      }
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}

/** Grows an output buffer by doubling, refusing to pass the limit. */
class Sink {
  buf = new Uint8Array(1024);
  length = 0;
  constructor(readonly limit: number) {}
  push(b: number): void {
    if (this.length >= this.buf.length) {
      if (this.length >= this.limit) throw new DecodeLimit();
      const bigger = new Uint8Array(Math.min(this.buf.length * 2, this.limit + 1));
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = b;
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function lzw(data: Uint8Array, earlyChange: number, limit: number): Uint8Array {
  const out = new Sink(limit);
  const table: Uint8Array[] = [];
  const reset = () => {
    table.length = 258;
    for (let i = 0; i < 256; i++) table[i] = Uint8Array.of(i);
  };
  reset();
  let codeLength = 9;
  let bitBuf = 0;
  let bits = 0;
  let prev: Uint8Array | undefined;
  for (let pos = 0; ; ) {
    while (bits < codeLength && pos < data.length) {
      bitBuf = ((bitBuf << 8) | data[pos++]!) >>> 0;
      bits += 8;
    }
    if (bits < codeLength) break;
    const code = (bitBuf >>> (bits - codeLength)) & ((1 << codeLength) - 1);
    bits -= codeLength;
    bitBuf &= (1 << bits) - 1;
    if (code === 256) {
      reset();
      codeLength = 9;
      prev = undefined;
      continue;
    }
    if (code === 257) break;
    let entry = table[code];
    if (entry === undefined) {
      if (!prev || code !== table.length) break;
      entry = new Uint8Array(prev.length + 1);
      entry.set(prev);
      entry[prev.length] = prev[0]!;
    }
    for (const b of entry) out.push(b);
    if (prev && table.length < 4096) {
      const added = new Uint8Array(prev.length + 1);
      added.set(prev);
      added[prev.length] = entry[0]!;
      table.push(added);
    }
    prev = entry;
    const next = table.length + earlyChange;
    codeLength = next >= 2048 ? 12 : next >= 1024 ? 11 : next >= 512 ? 10 : 9;
  }
  return out.result();
}

function asciiHex(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 2));
  let n = 0;
  let high = -1;
  for (const c of data) {
    if (c === 0x3e) break;
    const v = hexValue(c);
    if (v < 0) continue;
    if (high < 0) high = v;
    else {
      out[n++] = (high << 4) | v;
      high = -1;
    }
  }
  if (high >= 0) out[n++] = high << 4;
  return out.subarray(0, n);
}

function ascii85(data: Uint8Array, limit: number): Uint8Array {
  const out = new Sink(limit);
  const group: number[] = [];
  const flush = (count: number) => {
    let v = 0;
    for (let i = 0; i < 5; i++) v = v * 85 + (group[i] ?? 84);
    for (let i = 0; i < count - 1; i++) out.push((v >>> (24 - 8 * i)) & 0xff);
    group.length = 0;
  };
  let i = data[0] === 0x3c && data[1] === 0x7e ? 2 : 0;
  for (; i < data.length; i++) {
    const c = data[i]!;
    if (c === 0x7e) break;
    if (isWhite(c)) continue;
    if (c === 0x7a && group.length === 0) {
      for (let k = 0; k < 4; k++) out.push(0);
      continue;
    }
    if (c < 0x21 || c > 0x75) continue;
    group.push(c - 0x21);
    if (group.length === 5) flush(5);
  }
  if (group.length > 1) flush(group.length);
  return out.result();
}

function runLength(data: Uint8Array, limit: number): Uint8Array {
  const out = new Sink(limit);
  for (let i = 0; i < data.length; ) {
    const len = data[i++]!;
    if (len === 128) break;
    if (len < 128) {
      for (let k = 0; k <= len && i < data.length; k++) out.push(data[i++]!);
    } else {
      const b = data[i++];
      if (b === undefined) break;
      for (let k = 0; k < 257 - len; k++) out.push(b);
    }
  }
  return out.result();
}
