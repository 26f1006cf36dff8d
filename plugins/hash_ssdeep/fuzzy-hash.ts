/**
 * ssdeep's context-triggered piecewise hash (CTPH), written from the published description of
 * spamsum/ssdeep (Kornblum, "Identifying almost identical files using context triggered piecewise
 * hashing", 2006) and checked against Debian's `ssdeep` 2.14.1 byte for byte (see
 * hash_ssdeep.test.ts). It reproduces what `ssdeep FILE` prints: libfuzzy's `fuzzy_hash_file`,
 * which tells the engine the input's length up front (that only bounds how many block sizes are
 * tracked; the digest is the same either way) and digests with no flags (no sequence elimination,
 * the second part truncated to 32 characters).
 *
 * A rolling hash over the last 7 bytes marks chunk boundaries: a byte ends a chunk for block size
 * `3·2^i` when the rolling sum is `-1` modulo the block size. Each block size keeps a 6-bit FNV
 * hash of its current chunk and emits one base64 character per chunk, up to 64. The digest shows
 * the smallest block size whose signature is long enough for the input, and the next one.
 *
 * Memory is constant (one small state object) whatever the input's size: feed it with `update` in
 * chunks of any size. The per-byte loop allocates nothing.
 */

const ROLLING_WINDOW = 7;
const MIN_BLOCKSIZE = 3;
const SPAMSUM_LENGTH = 64;
const NUM_BLOCKHASHES = 31;
/** FNV-1's 32-bit prime and offset basis; only the low 6 bits of the hash are ever shown. */
const FNV_PRIME = 0x01000193;
const HASH_INIT = 0x28021967 & 0x3f;
/** 3 · 0xAAAAAAAB ≡ 1 (mod 2^32). */
const INVERSE_OF_3 = 0xaaaaaaab | 0;
/** Beyond this the largest block size (3·2^30) cannot cover the input: libfuzzy refuses it (EOVERFLOW). */
const SSDEEP_MAX_INPUT = MIN_BLOCKSIZE * 2 ** (NUM_BLOCKHASHES - 1) * SPAMSUM_LENGTH;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_CODES = Uint8Array.from(B64, (ch) => ch.charCodeAt(0));

/**
 * `FNV_STEP[h * 64 + (c & 63)]` is the low 6 bits of `(h * FNV_PRIME) ^ c`: those bits depend only
 * on the low 6 bits of `h` and `c`, so a 4 KiB table replaces the multiplication.
 */
const FNV_STEP = new Uint8Array(64 * 64);
for (let h = 0; h < 64; h++) {
  for (let c = 0; c < 64; c++) FNV_STEP[h * 64 + c] = (Math.imul(h, FNV_PRIME) ^ c) & 0x3f;
}

const blockSize = (index: number) => MIN_BLOCKSIZE * 2 ** index;

/** The smallest block-size index whose 64 characters can cover `length` bytes. */
function firstFittingIndex(length: number, from = 0): number {
  let index = from;
  while (blockSize(index) * SPAMSUM_LENGTH < length) index++;
  return index;
}

export class SsdeepInputTooLargeError extends RangeError {
  constructor(length: number) {
    super(`ssdeep cannot hash ${length} bytes: the largest block size covers at most ${SSDEEP_MAX_INPUT} bytes`);
    this.name = 'SsdeepInputTooLargeError';
  }
}

/**
 * One ssdeep computation. `totalLength`, when known, is checked against the bytes fed and lets the
 * hasher skip block sizes too large to be shown (as `ssdeep` does for files).
 *
 * @example
 * const hasher = new FuzzyHasher(data.length);
 * hasher.update(data);
 * hasher.digest(); // '3:hMCE7pr3Kn:huJ6' for 'This is a payload to hash'
 */
export class FuzzyHasher {
  readonly #fixedLength: number | undefined;
  #total = 0;
  // Rolling hash: the window of the last 7 bytes, their sum (h1), their position-weighted sum
  // (h2) and a shift/xor hash (h3), all modulo 2^32.
  readonly #window = new Uint8Array(ROLLING_WINDOW);
  #windowAt = 0;
  #h1 = 0;
  #h2 = 0;
  #h3 = 0;
  // One entry per block size 3·2^i, for i in [#start, #end).
  #start = 0;
  #end = 1;
  readonly #endLimit: number;
  /** The chunk hash, and the "half" hash that stops restarting once the signature is 32 long. */
  readonly #hash = new Uint8Array(NUM_BLOCKHASHES);
  readonly #halfHash = new Uint8Array(NUM_BLOCKHASHES);
  readonly #length = new Uint8Array(NUM_BLOCKHASHES);
  readonly #signature = new Uint8Array(NUM_BLOCKHASHES * SPAMSUM_LENGTH);
  /** The 32nd character of a signature as its half hash last gave it (0: none). */
  readonly #halfChar = new Uint8Array(NUM_BLOCKHASHES);
  /** Chunk-boundary test shortcut: a boundary for block size 3·2^#start needs (sum+1)/3 ≡ 0 mod 2^#start. */
  #rollMask = 0;
  #reduceBorder = MIN_BLOCKSIZE * SPAMSUM_LENGTH;
  /** The hash of the block size past the last tracked one, needed only when all 31 are in use. */
  #lastHash = 0;
  #needLastHash = false;

  constructor(totalLength?: number) {
    if (totalLength !== undefined) {
      if (!Number.isSafeInteger(totalLength) || totalLength < 0) throw new RangeError(`totalLength must be a whole number of bytes, got ${totalLength}`);
      if (totalLength > SSDEEP_MAX_INPUT) throw new SsdeepInputTooLargeError(totalLength);
      // Block sizes past the first that fits, plus one, can never be shown.
      let index = 0;
      while (blockSize(index) * SPAMSUM_LENGTH < totalLength && index < NUM_BLOCKHASHES - 2) index++;
      this.#endLimit = index + 1;
    } else {
      this.#endLimit = NUM_BLOCKHASHES - 1;
    }
    this.#fixedLength = totalLength;
    this.#hash[0] = HASH_INIT;
    this.#halfHash[0] = HASH_INIT;
  }

  /** Feed the next bytes. */
  update(bytes: Uint8Array): this {
    if (this.#total + bytes.length > SSDEEP_MAX_INPUT) throw new SsdeepInputTooLargeError(this.#total + bytes.length);
    if (this.#fixedLength !== undefined && this.#total + bytes.length > this.#fixedLength) {
      throw new RangeError(`ssdeep was told to expect ${this.#fixedLength} bytes but was fed ${this.#total + bytes.length}`);
    }
    this.#total += bytes.length;
    const window = this.#window;
    const hash = this.#hash;
    const halfHash = this.#halfHash;
    let at = this.#windowAt;
    let h1 = this.#h1;
    let h2 = this.#h2;
    let h3 = this.#h3;
    // Hot state lives in locals; a chunk boundary (rare) may change it, so it is read back after one.
    let start = this.#start;
    let end = this.#end;
    let rollMask = this.#rollMask;
    let needLastHash = this.#needLastHash;
    for (let p = 0; p < bytes.length; p++) {
      const c = bytes[p]!;
      h2 = (h2 - h1 + ROLLING_WINDOW * c) | 0;
      h1 = (h1 + c - window[at]!) | 0;
      window[at] = c;
      at = at === ROLLING_WINDOW - 1 ? 0 : at + 1;
      h3 = (h3 << 5) ^ c;

      const low = c & 0x3f;
      for (let i = start; i < end; i++) {
        hash[i] = FNV_STEP[(hash[i]! << 6) | low]!;
        halfHash[i] = FNV_STEP[(halfHash[i]! << 6) | low]!;
      }
      if (needLastHash) this.#lastHash = FNV_STEP[(this.#lastHash << 6) | low]!;

      // A boundary needs sum + 1 ≡ 0 (mod 3·2^start); sum + 1 wrapping to 0 (sum = 2^32 - 1, not
      // -1 modulo 3) is none. Divisibility by 3 without a division: times 3's inverse modulo
      // 2^32, exactly the multiples of 3 land in [0, 0x55555555], on their quotient.
      const next = (((h1 + h2) | 0) + h3 + 1) | 0;
      if (next === 0) continue;
      const third = Math.imul(next, INVERSE_OF_3);
      if (third < 0 || third > 0x55555555 || (third & rollMask) !== 0) continue;
      this.#endChunks(third);
      start = this.#start;
      end = this.#end;
      rollMask = this.#rollMask;
      needLastHash = this.#needLastHash;
    }
    this.#windowAt = at;
    this.#h1 = h1;
    this.#h2 = h2;
    this.#h3 = h3;
    return this;
  }

  /**
   * The rolling sum + 1 is `3·third`, a multiple of 3·2^#start: the current chunk ends for block
   * size #start and for each next one while the sum stays a multiple of it.
   */
  #endChunks(third: number): void {
    let multiple = Math.floor(third / 2 ** this.#start);
    for (let i = this.#start; i < this.#end; i++) {
      if (this.#length[i] === 0) this.#startNextBlockSize();
      const signatureAt = i * SPAMSUM_LENGTH;
      this.#signature[signatureAt + this.#length[i]!] = B64_CODES[this.#hash[i]!]!;
      this.#halfChar[i] = B64_CODES[this.#halfHash[i]!]!;
      if (this.#length[i]! < SPAMSUM_LENGTH - 1) {
        // The last character is never closed: it keeps hashing the rest of the input, so a long
        // tail folds into one final piece instead of overflowing the signature.
        this.#length[i]!++;
        this.#hash[i] = HASH_INIT;
        if (this.#length[i]! < SPAMSUM_LENGTH / 2) {
          this.#halfHash[i] = HASH_INIT;
          this.#halfChar[i] = 0;
        }
      } else {
        this.#dropSmallestBlockSize();
      }
      if (multiple % 2 === 1) break;
      multiple = Math.floor(multiple / 2);
    }
  }

  /** A block size's first chunk ended: start tracking the next larger one, from the same hashes. */
  #startNextBlockSize(): void {
    const last = this.#end - 1;
    if (this.#end <= this.#endLimit) {
      this.#hash[this.#end] = this.#hash[last]!;
      this.#halfHash[this.#end] = this.#halfHash[last]!;
      this.#length[this.#end] = 0;
      this.#halfChar[this.#end] = 0;
      this.#end++;
    } else if (this.#end === NUM_BLOCKHASHES && !this.#needLastHash) {
      this.#needLastHash = true;
      this.#lastHash = this.#hash[last]!;
    }
  }

  /**
   * Stop tracking the smallest block size once it cannot be shown: its signature is full, the
   * input is already too long for it, and the next block size has enough characters to be chosen.
   */
  #dropSmallestBlockSize(): void {
    if (this.#end - this.#start < 2) return;
    if (this.#reduceBorder >= (this.#fixedLength ?? this.#total)) return;
    if (this.#length[this.#start + 1]! < SPAMSUM_LENGTH / 2) return;
    this.#start++;
    this.#reduceBorder *= 2;
    this.#rollMask = this.#rollMask * 2 + 1;
  }

  /** `blocksize:signature:signature` as `ssdeep` prints it. */
  digest(): string {
    if (this.#fixedLength !== undefined && this.#total !== this.#fixedLength) {
      throw new RangeError(`ssdeep was told to expect ${this.#fixedLength} bytes but was fed ${this.#total}`);
    }
    const rollingSum = (this.#h1 + this.#h2 + this.#h3) >>> 0;
    let index = Math.min(firstFittingIndex(this.#total, this.#start), this.#end - 1);
    while (index > this.#start && this.#length[index]! < SPAMSUM_LENGTH / 2) index--;

    let out = `${blockSize(index)}:${this.#signatureText(index, SPAMSUM_LENGTH)}`;
    // The open last piece shows its hash so far, except when the final rolling sum is 0
    // (libfuzzy's rule): then only a full signature shows its stored 64th character.
    const stored = this.#signature[index * SPAMSUM_LENGTH + this.#length[index]!]!;
    if (rollingSum !== 0) out += B64[this.#hash[index]!];
    else if (stored !== 0) out += String.fromCharCode(stored);
    out += ':';
    if (index < this.#end - 1) {
      const next = index + 1;
      out += this.#signatureText(next, SPAMSUM_LENGTH / 2 - 1);
      if (rollingSum !== 0) out += B64[this.#halfHash[next]!];
      else if (this.#halfChar[next] !== 0) out += String.fromCharCode(this.#halfChar[next]!);
    } else if (rollingSum !== 0) {
      out += B64[index === 0 ? this.#hash[0]! : this.#lastHash];
    }
    return out;
  }

  #signatureText(index: number, max: number): string {
    const at = index * SPAMSUM_LENGTH;
    return String.fromCharCode(...this.#signature.subarray(at, at + Math.min(this.#length[index]!, max)));
  }
}

/** The ssdeep digest of `bytes`, as `ssdeep` prints it for a file with these bytes. */
export function ssdeepDigest(bytes: Uint8Array): string {
  return new FuzzyHasher(bytes.length).update(bytes).digest();
}
