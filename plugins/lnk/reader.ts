/** Bounds-checked little-endian reads that name the field when the file is too short. */
export class Reader {
  readonly #view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get size(): number {
    return this.bytes.byteLength;
  }

  fits(offset: number, length: number): boolean {
    return offset >= 0 && length >= 0 && offset + length <= this.bytes.byteLength;
  }

  #check(offset: number, length: number, what: string): void {
    if (!this.fits(offset, length)) throw new RangeError(`${what} at offset ${offset} (${length} bytes) runs past the end of the file (${this.size} bytes)`);
  }

  u16(offset: number, what: string): number {
    this.#check(offset, 2, what);
    return this.#view.getUint16(offset, true);
  }

  u32(offset: number, what: string): number {
    this.#check(offset, 4, what);
    return this.#view.getUint32(offset, true);
  }

  i32(offset: number, what: string): number {
    this.#check(offset, 4, what);
    return this.#view.getInt32(offset, true);
  }

  u64(offset: number, what: string): bigint {
    this.#check(offset, 8, what);
    return this.#view.getBigUint64(offset, true);
  }

  slice(offset: number, length: number, what: string): Uint8Array {
    this.#check(offset, length, what);
    return this.bytes.subarray(offset, offset + length);
  }

  /** A NUL-terminated string in the ANSI code page, within [offset, end). */
  ansiz(offset: number, end: number, what: string): string {
    this.#check(offset, 0, what);
    const stop = Math.min(end, this.size);
    let i = offset;
    while (i < stop && this.bytes[i] !== 0) i++;
    return ansi(this.bytes.subarray(offset, i));
  }

  /** A NUL-terminated UTF-16LE string within [offset, end). */
  utf16z(offset: number, end: number, what: string): string {
    this.#check(offset, 0, what);
    const stop = Math.min(end, this.size);
    let i = offset;
    while (i + 1 < stop && (this.bytes[i] !== 0 || this.bytes[i + 1] !== 0)) i += 2;
    return utf16(this.bytes.subarray(offset, i));
  }
}

const utf16le = new TextDecoder('utf-16le');

/**
 * Windows-1252's characters for bytes 0x80-0x9F (the rest equal Latin-1). Node 20's TextDecoder
 * decodes 'windows-1252' as Latin-1, giving C1 control characters there. The five bytes the code
 * page leaves undefined become U+FFFD, as liblnk prints them.
 */
const CP1252_HIGH = '€\uFFFD‚ƒ„…†‡ˆ‰Š‹Œ\uFFFDŽ\uFFFD\uFFFD‘’“”•–—˜™š›œ\uFFFDžŸ';

/** Bytes in the system code page; shortcuts do not say which, and Windows-1252 is the common one. */
export function ansi(b: Uint8Array): string {
  let out = '';
  for (const byte of b) out += byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH[byte - 0x80] : String.fromCharCode(byte);
  return out;
}
export const utf16 = (b: Uint8Array): string => utf16le.decode(b);
