/**
 * MS-OVBA 2.4.1 CompressedContainer decompression (the LZ77 variant that stores VBA source and
 * the `dir` stream). Every read is bounds-checked and the output is capped, so a hostile
 * container ends with a named problem and the bytes decoded so far, never an exception.
 */

export interface Decompressed {
  data: Uint8Array;
  /** Why decompression stopped early; undefined when the whole container was decoded. */
  problem?: string;
}

const CHUNK_DECOMPRESSED_SIZE = 4096;

/** Bytes below which output is gathered before the next grow (doubling from here). */
const INITIAL_OUTPUT = 8192;

class Output {
  buf: Uint8Array;
  length = 0;
  constructor(
    sizeHint: number,
    readonly limit: number,
  ) {
    this.buf = new Uint8Array(Math.min(Math.max(sizeHint, INITIAL_OUTPUT), limit + 1));
  }
  /** Room for n more bytes; false when that would pass the limit. */
  reserve(n: number): boolean {
    const need = this.length + n;
    if (need > this.limit) return false;
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.min(Math.max(this.buf.length * 2, need), this.limit));
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
    }
    return true;
  }
  result(problem?: string): Decompressed {
    const data = this.buf.slice(0, this.length);
    return problem === undefined ? { data } : { data, problem };
  }
}

/**
 * Decompress a CompressedContainer. `maxOutput` bounds the decompressed size: a container that
 * would produce more stops there with a problem (copy tokens allow ratios above 1000:1).
 */
export function decompressContainer(input: Uint8Array, maxOutput: number): Decompressed {
  // Text compresses 2-4x; the hint only avoids a few grows.
  const out = new Output(input.length * 3, maxOutput);
  if (input.length === 0) return out.result('empty compressed container');
  if (input[0] !== 0x01) return out.result(`compressed container signature is 0x${hex2(input[0]!)}, not 0x01`);
  let pos = 1;
  while (pos < input.length) {
    if (pos + 2 > input.length) return out.result(`chunk header at offset ${pos} is cut off`);
    const header = input[pos]! | (input[pos + 1]! << 8);
    const size = (header & 0x0fff) + 3;
    const signature = (header >> 12) & 0x7;
    const compressed = (header & 0x8000) !== 0;
    if (signature !== 0b011) return out.result(`chunk at offset ${pos} has signature ${signature}, not 3`);
    // Office writes raw (uncompressed) chunks only as 4096 bytes after the header.
    if (!compressed && size !== CHUNK_DECOMPRESSED_SIZE + 2) return out.result(`raw chunk at offset ${pos} claims ${size} bytes, not 4098`);
    const chunkEnd = Math.min(pos + size, input.length);
    const chunkStart = out.length;
    let cur = pos + 2;
    if (!compressed) {
      const n = Math.min(CHUNK_DECOMPRESSED_SIZE, input.length - cur);
      if (!out.reserve(n)) return out.result(`decompressed data passes the limit of ${maxOutput} bytes`);
      out.buf.set(input.subarray(cur, cur + n), out.length);
      out.length += n;
      if (n < CHUNK_DECOMPRESSED_SIZE) return out.result(`raw chunk at offset ${pos} is cut off after ${n} bytes`);
      pos = cur + n;
      continue;
    }
    while (cur < chunkEnd) {
      const flags = input[cur++]!;
      for (let bit = 0; bit < 8 && cur < chunkEnd; bit++) {
        if ((flags & (1 << bit)) === 0) {
          if (!out.reserve(1)) return out.result(`decompressed data passes the limit of ${maxOutput} bytes`);
          out.buf[out.length++] = input[cur++]!;
          continue;
        }
        if (cur + 2 > chunkEnd) return out.result(`copy token at offset ${cur} is cut off`);
        const token = input[cur]! | (input[cur + 1]! << 8);
        cur += 2;
        const produced = out.length - chunkStart;
        if (produced === 0) return out.result(`copy token at offset ${cur - 2} comes before any literal in its chunk`);
        // MS-OVBA 2.4.1.3.19.1: the offset field widens as the chunk fills.
        const bitCount = Math.max(4, Math.ceil(Math.log2(produced)));
        const lengthMask = 0xffff >> bitCount;
        const length = (token & lengthMask) + 3;
        const offset = (token >> (16 - bitCount)) + 1;
        if (offset > produced) return out.result(`copy token at offset ${cur - 2} points ${offset} bytes back, before the start of its chunk`);
        if (!out.reserve(length)) return out.result(`decompressed data passes the limit of ${maxOutput} bytes`);
        // Byte by byte: source and destination overlap when offset < length (runs).
        let src = out.length - offset;
        for (let i = 0; i < length; i++) out.buf[out.length++] = out.buf[src++]!;
      }
    }
    if (pos + size > input.length) return out.result(`chunk at offset ${pos} claims ${size} bytes, only ${input.length - pos} remain`);
    pos = chunkEnd;
  }
  return out.result();
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
