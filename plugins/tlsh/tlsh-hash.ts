/**
 * TLSH, Trend Micro's locality-sensitive hash (Oliver, Cheng, Chen: "TLSH – A Locality Sensitive
 * Hash", 2013), in its standard form: 128 buckets, a 1-byte checksum, a 5-byte sliding window. It
 * was written from the paper and the reference implementation's documented behaviour, and is
 * tested to equal the reference digest byte for byte (Debian's python3-tlsh 3.4.4 on the same
 * bytes, and the current reference, 4.12, through fixtures made with it: see tlsh.test.ts).
 *
 * Every byte, with the 4 before it, adds one to 6 of 256 buckets chosen by a Pearson hash of byte
 * triplets, and updates a Pearson checksum. The digest encodes each of the first 128 buckets as its
 * quartile (2 bits), the checksum, the length on a log scale, and two quartile ratios.
 *
 * Memory is constant whatever the input's size (feed it with `update` in chunks of any size), and
 * the per-byte loop allocates nothing.
 */

/**
 * Pearson's permutation of 0..255 (P. K. Pearson, "Fast hashing of variable-length text strings",
 * CACM 33(6), 1990), the one TLSH hashes byte triplets with: digests only interoperate with it.
 */
// biome-ignore format: the table reads best as 16 rows of 16
const PEARSON = Uint8Array.from([
  1, 87, 49, 12, 176, 178, 102, 166, 121, 193, 6, 84, 249, 230, 44, 163,
  14, 197, 213, 181, 161, 85, 218, 80, 64, 239, 24, 226, 236, 142, 38, 200,
  110, 177, 104, 103, 141, 253, 255, 50, 77, 101, 81, 18, 45, 96, 31, 222,
  25, 107, 190, 70, 86, 237, 240, 34, 72, 242, 20, 214, 244, 227, 149, 235,
  97, 234, 57, 22, 60, 250, 82, 175, 208, 5, 127, 199, 111, 62, 135, 248,
  174, 169, 211, 58, 66, 154, 106, 195, 245, 171, 17, 187, 182, 179, 0, 243,
  132, 56, 148, 75, 128, 133, 158, 100, 130, 126, 91, 13, 153, 246, 216, 219,
  119, 68, 223, 78, 83, 88, 201, 99, 122, 11, 92, 32, 136, 114, 52, 10,
  138, 30, 48, 183, 156, 35, 61, 26, 143, 74, 251, 94, 129, 162, 63, 152,
  170, 7, 115, 167, 241, 206, 3, 150, 55, 59, 151, 220, 90, 53, 23, 131,
  125, 173, 15, 238, 79, 95, 89, 16, 105, 137, 225, 224, 217, 160, 37, 123,
  118, 73, 2, 157, 46, 116, 9, 145, 134, 228, 207, 212, 202, 215, 69, 229,
  27, 188, 67, 124, 168, 252, 42, 4, 29, 108, 21, 247, 19, 205, 39, 203,
  233, 40, 186, 147, 198, 192, 155, 33, 164, 191, 98, 204, 165, 180, 117, 76,
  140, 36, 210, 172, 41, 54, 159, 8, 185, 232, 113, 196, 231, 47, 146, 120,
  51, 65, 28, 144, 254, 221, 93, 189, 194, 139, 112, 43, 71, 109, 184, 209,
]);

/** The Pearson hash of (salt, a, b, c); its first step, the salt alone, is passed in precomputed. */
const pearson = (salted: number, a: number, b: number, c: number) => PEARSON[PEARSON[PEARSON[salted ^ a]! ^ b]! ^ c]!;
/** PEARSON[salt] for the checksum's salt 0 and the six triplets' salts 2, 3, 5, 7, 11, 13. */
const [S0, S2, S3, S5, S7, S11, S13] = [0, 2, 3, 5, 7, 11, 13].map((salt) => PEARSON[salt]!) as [number, number, number, number, number, number, number];

const BUCKETS = 256;
const CODE_BUCKETS = 128;
/** The shortest input TLSH digests (4.x; `conservative`: 256, the only minimum TLSH 3.x had). */
export const TLSH_MIN_LENGTH = 50;
export const TLSH_MIN_CONSERVATIVE_LENGTH = 256;
/** TLSH counts the length in 32 bits. */
const TLSH_MAX_LENGTH = 0xffffffff;

/**
 * The length's code, 0..255: a logarithmic scale in three pieces, evaluated as the reference does
 * (the length and its natural log in single precision, then double-precision division; TLSH 4 replaced the
 * computation with a table of its results).
 */
export function lengthCode(length: number): number {
  const log = Math.fround(Math.log(Math.fround(length)));
  let code: number;
  if (length <= 656) code = Math.floor(log / 0.4054651);
  else if (length <= 3199) code = Math.floor(log / 0.26236426 - 8.72777);
  else code = Math.floor(log / 0.09531018 - 62.5472);
  return code & 0xff;
}

/** A TLSH digest, or why there is none (the reference prints an empty digest, or `TNULL`). */
export type TlshOutcome = { digest: string } | { digest: null; reason: string };

const HEX = '0123456789ABCDEF';
const hexByte = (byte: number) => HEX[byte >> 4]! + HEX[byte & 15]!;
const swapNibbles = (byte: number) => ((byte & 15) << 4) | (byte >> 4);

/**
 * One TLSH computation.
 *
 * @example
 * new TlshHasher().update(bytes).digest(); // { digest: 'T1…' } or { digest: null, reason }
 */
export class TlshHasher {
  readonly #buckets = new Uint32Array(BUCKETS);
  /** The 4 bytes before the next one, most recent first. */
  #b1 = 0;
  #b2 = 0;
  #b3 = 0;
  #b4 = 0;
  #checksum = 0;
  #length = 0;

  /** Feed the next bytes. */
  update(bytes: Uint8Array): this {
    if (this.#length + bytes.length > TLSH_MAX_LENGTH) throw new RangeError(`TLSH cannot hash more than ${TLSH_MAX_LENGTH} bytes`);
    const buckets = this.#buckets;
    let b1 = this.#b1;
    let b2 = this.#b2;
    let b3 = this.#b3;
    let b4 = this.#b4;
    let checksum = this.#checksum;
    // The first 4 bytes only fill the window.
    let p = 0;
    for (; p < bytes.length && this.#length + p < 4; p++) {
      b4 = b3;
      b3 = b2;
      b2 = b1;
      b1 = bytes[p]!;
    }
    for (; p < bytes.length; p++) {
      const b0 = bytes[p]!;
      checksum = pearson(S0, b0, b1, checksum);
      buckets[pearson(S2, b0, b1, b2)]!++;
      buckets[pearson(S3, b0, b1, b3)]!++;
      buckets[pearson(S5, b0, b2, b3)]!++;
      buckets[pearson(S7, b0, b2, b4)]!++;
      buckets[pearson(S11, b0, b1, b4)]!++;
      buckets[pearson(S13, b0, b3, b4)]!++;
      b4 = b3;
      b3 = b2;
      b2 = b1;
      b1 = b0;
    }
    this.#b1 = b1;
    this.#b2 = b2;
    this.#b3 = b3;
    this.#b4 = b4;
    this.#checksum = checksum;
    this.#length += bytes.length;
    return this;
  }

  /**
   * The digest in the current `T1` form (TLSH 4+, as py-tlsh 4 and VirusTotal print it), or why
   * there is none: fewer than 50 bytes (256 when `conservative`), or too little variety (half or
   * more of the 128 buckets empty).
   */
  digest(options: { conservative?: boolean } = {}): TlshOutcome {
    const min = options.conservative ? TLSH_MIN_CONSERVATIVE_LENGTH : TLSH_MIN_LENGTH;
    if (this.#length < min) return { digest: null, reason: `TLSH needs at least ${min} bytes, the input has ${this.#length}` };
    const counts = this.#buckets.subarray(0, CODE_BUCKETS);
    const sorted = Uint32Array.from(counts).sort();
    const q1 = sorted[CODE_BUCKETS / 4 - 1]!;
    const q2 = sorted[CODE_BUCKETS / 2 - 1]!;
    const q3 = sorted[CODE_BUCKETS - CODE_BUCKETS / 4 - 1]!;
    const used = counts.reduce((n, count) => (count > 0 ? n + 1 : n), 0);
    if (q3 === 0 || used <= CODE_BUCKETS / 2) {
      return { digest: null, reason: `too little variety: ${used} of ${CODE_BUCKETS} buckets used, TLSH needs more than ${CODE_BUCKETS / 2}` };
    }
    // Each ratio is computed in single precision from 32-bit counts, as the reference does.
    const ratio = (q: number) => Math.trunc(Math.fround(Math.fround((q * 100) >>> 0) / Math.fround(q3))) % 16;
    let out = `T1${hexByte(swapNibbles(this.#checksum))}${hexByte(swapNibbles(lengthCode(this.#length)))}${HEX[ratio(q1)]}${HEX[ratio(q2)]}`;
    // The body: 2 bits a bucket (its quartile), 4 buckets a byte, the last byte first.
    for (let byte = CODE_BUCKETS / 4 - 1; byte >= 0; byte--) {
      let code = 0;
      for (let j = 0; j < 4; j++) {
        const count = counts[byte * 4 + j]!;
        const quartile = count > q3 ? 3 : count > q2 ? 2 : count > q1 ? 1 : 0;
        code |= quartile << (j * 2);
      }
      out += hexByte(code);
    }
    return { digest: out };
  }
}

/** The TLSH outcome for `bytes`. */
export function tlshDigest(bytes: Uint8Array, conservative = false): TlshOutcome {
  return new TlshHasher().update(bytes).digest({ conservative });
}
