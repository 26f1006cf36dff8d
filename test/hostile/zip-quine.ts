/**
 * A zip file that contains itself: its one member, deflated, inflates to the whole zip, byte for
 * byte (after Russ Cox's construction, "Zip Files All The Way Down", rebuilt here from the idea).
 *
 * Deflate can say "copy the next n bytes literally" (a stored block, L n) and "repeat the last n
 * bytes of output" (a fixed-Huffman block with one back-reference, R n). With every instruction
 * exactly five bytes long, this program prints P, itself, then S:
 *
 *   L(p+5)[P, L(p+5)]  R(p+5)  L(5)[R(p+5)]  L(5)[L(5)]  L(20)[R(p+5), L(5), L(5), L(20)]  R(20)
 *   L(20)[R(20), L(20), R(20), L(20)]  R(20)  L(20)[R(20), L(10), L(5), L(s+5)]  R(20)
 *   L(10)[L(5), L(s+5)]  L(5)[L(s+5)]  L(s+5)[R(s+5), S]  R(s+5)
 *
 * where P is the local file header and S the central directory and end record. The CRC-32 the
 * headers claim is a fixed point of the file's own CRC; CRC is affine over GF(2) in those 32
 * bits, so it is one small linear system.
 */
import { crc32 } from 'node:zlib';

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

class BitWriter {
  readonly bits: number[] = [];
  /** Extra bits and headers: least significant bit first. */
  value(v: number, count: number): this {
    for (let i = 0; i < count; i++) this.bits.push((v >> i) & 1);
    return this;
  }
  /** Huffman codes: most significant bit first. */
  code(v: number, count: number): this {
    for (let i = count - 1; i >= 0; i--) this.bits.push((v >> i) & 1);
    return this;
  }
  bytes(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bits.length / 8));
    for (const [i, b] of this.bits.entries()) out[i >> 3]! |= b << (i & 7);
    return out;
  }
}

const lengthSymbol = (len: number) => {
  let i = LENGTH_BASE.length - 1;
  while (LENGTH_BASE[i]! > len) i--;
  return i;
};
const distSymbol = (d: number) => {
  let i = DIST_BASE.length - 1;
  while (DIST_BASE[i]! > d) i--;
  return i;
};
const lengthCodeBits = (len: number) => (257 + lengthSymbol(len) < 280 ? 7 : 8) + LENGTH_EXTRA[lengthSymbol(len)]!;
const pairBits = (len: number, dist: number) => lengthCodeBits(len) + 5 + DIST_EXTRA[distSymbol(dist)]!;

function writePair(w: BitWriter, len: number, dist: number): void {
  const ls = lengthSymbol(len);
  const sym = 257 + ls;
  if (sym < 280) w.code(sym - 256, 7);
  else w.code(0xc0 + sym - 280, 8);
  w.value(len - LENGTH_BASE[ls]!, LENGTH_EXTRA[ls]!);
  const ds = distSymbol(dist);
  w.code(ds, 5).value(dist - DIST_BASE[ds]!, DIST_EXTRA[ds]!);
}

/** Ways to split n into `parts` lengths of 3..258 (a few, enough to hit a bit budget). */
function* splits(n: number, parts: number): Generator<number[]> {
  if (parts === 1) {
    if (n >= 3 && n <= 258) yield [n];
    return;
  }
  for (let first = 3; first <= Math.min(258, n - 3 * (parts - 1)); first++) {
    for (const rest of splits(n - first, parts - 1)) yield [first, ...rest];
  }
}

/** "Repeat the last n bytes" in exactly five bytes: fixed blocks, padded with empty fixed blocks. */
function repeat(n: number, final: boolean): Buffer {
  for (let parts = 1; parts <= 4; parts++) {
    for (const lengths of splits(n, parts)) {
      const body = 3 + lengths.reduce((s, l) => s + pairBits(l, n), 0) + 7;
      for (let empties = 0; empties <= 3; empties++) {
        const total = body + 10 * empties;
        if (final ? total <= 32 || total > 40 : total !== 40) continue;
        const w = new BitWriter();
        // Empty blocks first, so a final block is the stream's last.
        for (let e = 0; e < empties; e++) w.value(0, 1).value(1, 2).code(0, 7);
        w.value(final ? 1 : 0, 1).value(1, 2);
        for (const l of lengths) writePair(w, l, n);
        w.code(0, 7);
        return Buffer.concat([w.bytes(), Buffer.alloc(5)]).subarray(0, 5);
      }
    }
  }
  throw new Error(`no five-byte encoding for a repeat of ${n}`);
}

/** "Copy the next n bytes": a stored block, starting on a byte boundary. */
function literal(n: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = 0;
  b.writeUInt16LE(n, 1);
  b.writeUInt16LE(~n & 0xffff, 3);
  return b;
}

const u16 = (v: number) => Buffer.from([v & 0xff, (v >> 8) & 0xff]);
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};

/**
 * Every repeat must encode in exactly five bytes, which only some lengths allow: a local extra
 * field pads P to 60 bytes (a repeat of 65) and the archive comment pads S to 135 (a final
 * repeat of 140).
 */
const P_SIZE = 60;
const S_SIZE = 135;

function assemble(name: Buffer, crc: number): Buffer {
  const localExtra = P_SIZE - 30 - name.byteLength;
  const comment = S_SIZE - 46 - name.byteLength - 22;
  if (localExtra < 4 || comment < 0) throw new Error('quine member name too long');
  const p = P_SIZE;
  const s = S_SIZE;
  const compressedSize = p + s + 165;
  const fileSize = p + compressedSize + s;
  const common = (extra: number) =>
    Buffer.concat([u16(20), u16(0), u16(8), u16(0), u16(0x5021), u32(crc), u32(compressedSize), u32(fileSize), u16(name.byteLength), u16(extra)]);
  // An extra field of an unassigned id, which readers skip.
  const extra = Buffer.concat([u16(0x5851), u16(localExtra - 4), Buffer.alloc(localExtra - 4, 0x51)]);
  const P = Buffer.concat([u32(0x04034b50), common(localExtra), name, extra]);
  const S = Buffer.concat([
    u32(0x02014b50),
    u16(20),
    common(0),
    u16(0),
    u16(0),
    u16(0),
    u32(0),
    u32(0),
    name,
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(1),
    u16(1),
    u32(46 + name.byteLength),
    u32(p + compressedSize),
    u16(comment),
    Buffer.alloc(comment, 0x2e),
  ]);
  const L = literal;
  const R = (n: number) => repeat(n, false);
  const end = repeat(s + 5, true);
  const C = Buffer.concat([
    L(p + 5),
    P,
    L(p + 5),
    R(p + 5),
    L(5),
    R(p + 5),
    L(5),
    L(5),
    L(20),
    R(p + 5),
    L(5),
    L(5),
    L(20),
    R(20),
    L(20),
    R(20),
    L(20),
    R(20),
    L(20),
    R(20),
    L(20),
    R(20),
    L(10),
    L(5),
    L(s + 5),
    R(20),
    L(10),
    L(5),
    L(s + 5),
    L(5),
    L(s + 5),
    L(s + 5),
    end,
    S,
    end,
  ]);
  if (C.byteLength !== compressedSize || P.byteLength !== p || S.byteLength !== s) throw new Error('quine layout is off');
  return Buffer.concat([P, C, S]);
}

/** Solve (M + I) x = b over GF(2), where crc(file(x)) = M x + crc(file(0)). */
function fixedPointCrc(name: Buffer): number {
  const at = (x: number) => crc32(assemble(name, x)) >>> 0;
  const base = at(0);
  const rows: number[] = [];
  // Column j of (M + I): what flipping bit j of x does to crc(file(x)) + x.
  const columns = Array.from({ length: 32 }, (_, j) => (at(1 << j) ^ base ^ (1 << j)) >>> 0);
  // Row-reduce the augmented system with the columns transposed into row bitmasks.
  for (let i = 0; i < 32; i++) {
    let row = 0;
    for (let j = 0; j < 32; j++) if ((columns[j]! >>> i) & 1) row |= 1 << j;
    rows.push(row >>> 0);
  }
  const rhs = Array.from({ length: 32 }, (_, i) => (base >>> i) & 1);
  const pivotOf: number[] = [];
  let r = 0;
  for (let col = 0; col < 32 && r < 32; col++) {
    const found = rows.findIndex((row, idx) => idx >= r && ((row >>> col) & 1) === 1);
    if (found < 0) continue;
    [rows[r], rows[found]] = [rows[found]!, rows[r]!];
    [rhs[r], rhs[found]] = [rhs[found]!, rhs[r]!];
    for (let k = 0; k < 32; k++) {
      if (k !== r && ((rows[k]! >>> col) & 1) === 1) {
        rows[k] = (rows[k]! ^ rows[r]!) >>> 0;
        rhs[k]! ^= rhs[r]!;
      }
    }
    pivotOf[r++] = col;
  }
  for (let k = r; k < 32; k++) if (rhs[k]) throw new Error('no CRC fixed point for this name');
  let x = 0;
  for (let k = 0; k < r; k++) if (rhs[k]) x |= 1 << pivotOf[k]!;
  return x >>> 0;
}

/** The zip quine; its single member is called `name` and is the zip itself. */
export function zipQuine(name = 'quine.zip'): Buffer {
  const n = Buffer.from(name);
  return assemble(n, fixedPointCrc(n));
}
