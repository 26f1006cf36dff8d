import { crc32 } from 'node:zlib';

/**
 * CRC-32 (the zip/gzip one) arithmetic for content that is too large to feed through zlib: the
 * register update for a zero byte is linear, so appending n zero bytes is one 32x32 matrix over
 * GF(2) raised to the n-th power (log n squarings, no bytes touched).
 */
type Matrix = Uint32Array;

function times(m: Matrix, v: number): number {
  let sum = 0;
  for (let i = 0; v !== 0; i++, v >>>= 1) if (v & 1) sum ^= m[i]!;
  return sum >>> 0;
}

function multiply(a: Matrix, b: Matrix): Matrix {
  const out = new Uint32Array(32);
  for (let i = 0; i < 32; i++) out[i] = times(a, b[i]!);
  return out;
}

/** The register after one zero bit, for each single-bit register (reflected polynomial). */
function zeroBitOperator(): Matrix {
  const m = new Uint32Array(32);
  m[0] = 0xedb88320;
  for (let i = 1; i < 32; i++) m[i] = 1 << (i - 1);
  return m;
}

/** crc32(data + n zero bytes), given crc32(data). */
export function crc32AppendZeros(crc: number, zeroBytes: number): number {
  let register = ~crc >>> 0;
  let power = zeroBitOperator();
  // bits = 8n, consumed from the lowest bit up, squaring the one-bit operator each time
  let bits = BigInt(zeroBytes) * 8n;
  while (bits > 0n) {
    if (bits & 1n) register = times(power, register);
    power = multiply(power, power);
    bits >>= 1n;
  }
  return ~register >>> 0;
}

/** crc32 of n zero bytes. */
export const crc32OfZeros = (n: number): number => crc32AppendZeros(0, n);

export { crc32 };
