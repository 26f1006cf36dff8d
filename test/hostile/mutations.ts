import fc from 'fast-check';

/** Byte-level damage a fuzzer does to a seed file; positions are taken modulo the length. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'splice'; from: number; length: number; to: number }
  | { kind: 'overwrite'; at: number; value: number; width: 1 | 2 | 4 };

// Values that trip size and count fields: zero, all ones, sign bits, just past small powers.
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('splice' as const), from: fc.nat(), length: fc.integer({ min: 1, max: 512 }), to: fc.nat() }),
  fc.record({
    kind: fc.constant('overwrite' as const),
    at: fc.nat(),
    value: fc.constantFrom(...INTERESTING),
    width: fc.constantFrom(1 as const, 2 as const, 4 as const),
  }),
);

/** Apply mutations in order; the result always has at least one byte. */
export function mutate(seed: Buffer, mutations: Mutation[]): Buffer {
  let b = Buffer.from(seed);
  for (const m of mutations) {
    const at = (n: number) => (b.byteLength === 0 ? 0 : n % b.byteLength);
    switch (m.kind) {
      case 'flip':
        if (b.byteLength > 0) b[at(m.at)] = b[at(m.at)]! ^ (1 << m.bit);
        break;
      case 'truncate':
        b = b.subarray(0, Math.max(1, at(m.at)));
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at(m.at)), m.bytes, b.subarray(at(m.at))]);
        break;
      case 'splice': {
        // Copy a run of the file over another place of it (duplicated headers, crossed offsets).
        const chunk = Buffer.from(b.subarray(at(m.from), at(m.from) + m.length));
        chunk.copy(b, at(m.to));
        break;
      }
      case 'overwrite': {
        const pos = at(m.at);
        if (pos + m.width <= b.byteLength) b.writeUIntLE(m.value % 2 ** (8 * m.width), pos, m.width);
        break;
      }
    }
  }
  return Buffer.from(b);
}
