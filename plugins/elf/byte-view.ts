/**
 * Bounds-checked reads of ELF fields in the file's own byte order and class. Every read names
 * what it was reading when it runs past the end, so a truncated file gives a clear error.
 */
export class ByteView {
  readonly size: number;
  readonly #data: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    readonly is64: boolean,
  ) {
    this.size = bytes.byteLength;
    this.#data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** True when `length` bytes from `offset` lie inside the file. */
  fits(offset: number, length: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && length >= 0 && offset + length <= this.size;
  }

  #check(offset: number, length: number, what: string): void {
    if (!this.fits(offset, length)) throw new RangeError(`${what} at offset ${offset} runs past the end of the file (${this.size} bytes)`);
  }

  u8(offset: number, what: string): number {
    this.#check(offset, 1, what);
    return this.#data.getUint8(offset);
  }

  u16(offset: number, what: string): number {
    this.#check(offset, 2, what);
    return this.#data.getUint16(offset, this.littleEndian);
  }

  u32(offset: number, what: string): number {
    this.#check(offset, 4, what);
    return this.#data.getUint32(offset, this.littleEndian);
  }

  i32(offset: number, what: string): number {
    this.#check(offset, 4, what);
    return this.#data.getInt32(offset, this.littleEndian);
  }

  u64(offset: number, what: string): bigint {
    this.#check(offset, 8, what);
    return this.#data.getBigUint64(offset, this.littleEndian);
  }

  i64(offset: number, what: string): bigint {
    this.#check(offset, 8, what);
    return this.#data.getBigInt64(offset, this.littleEndian);
  }

  /** An address, offset or size field: 4 bytes in ELF32, 8 in ELF64. */
  word(offset: number, what: string): bigint {
    return this.is64 ? this.u64(offset, what) : BigInt(this.u32(offset, what));
  }

  /** A signed word (dynamic entries' d_tag). */
  sword(offset: number, what: string): bigint {
    return this.is64 ? this.i64(offset, what) : BigInt(this.i32(offset, what));
  }

  get wordSize(): number {
    return this.is64 ? 8 : 4;
  }
}

/** A file offset or size as a number; values past 2^53 cannot address any payload, so they stay rounded. */
export function toNumber(value: bigint): number {
  return Number(value);
}

/** An address as readelf shows it: lower-case hex with 0x. */
export function hex(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}
