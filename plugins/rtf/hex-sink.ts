const WHITESPACE = new Set([0x20, 0x09, 0x0d, 0x0a, 0x0c, 0x0b]);

/** Hex digit value of a byte, or -1. */
export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * The hex digits of one `\objdata` destination, packed into bytes as they arrive. Everything that
 * is not a hex digit is dropped on the way in (Word ignores it too), so only the digit count and a
 * pending half byte are state. The shared budget bounds memory however many objects there are.
 */
export class HexSink {
  private bytes = new Uint8Array(256);
  private length = 0;
  private pending = -1;
  /** Hex digits taken (after Word's odd-digit quirk dropped some). */
  digits = 0;
  /** Characters that are neither hex digits nor whitespace (junk Word skips). */
  junk = 0;
  truncated = false;

  constructor(private readonly budget: { left: number }) {}

  private push(byte: number): void {
    if (this.budget.left <= 0) {
      this.truncated = true;
      return;
    }
    this.budget.left--;
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = byte;
  }

  /** Feeds the hex digits among `data[from..to)`. */
  text(data: Uint8Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const c = data[i]!;
      const v = hexValue(c);
      if (v < 0) {
        if (!WHITESPACE.has(c)) this.junk++;
        continue;
      }
      this.digits++;
      if (this.pending < 0) this.pending = v;
      else {
        this.push((this.pending << 4) | v);
        this.pending = -1;
      }
    }
  }

  /** `\binN` data inside objdata: rtfobj re-encodes it as (lowercase) hex digits, so it joins the nibble stream. */
  binary(data: Uint8Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const b = data[i]!;
      this.digits += 2;
      if (this.pending < 0) this.push(b);
      else {
        this.push((this.pending << 4) | (b >> 4));
        this.pending = b & 0x0f;
      }
    }
  }

  /** Word's parser drops the last hex digit before a `\'hh` when the digits so far are odd. */
  dropOddDigit(): boolean {
    if (this.pending < 0) return false;
    this.pending = -1;
    this.digits--;
    return true;
  }

  /**
   * The decoded bytes so far, at most `limit` of them; an odd trailing digit is left out (Word
   * accepts and ignores it). A destination can close more than once (see scanRtf), so copies
   * are budgeted by the caller too.
   */
  snapshot(limit: number): { data: Uint8Array; hexDigits: number; cut: boolean } {
    const size = Math.min(this.length, Math.max(0, limit));
    return { data: this.bytes.slice(0, size), hexDigits: this.pending < 0 ? this.digits : this.digits - 1, cut: size < this.length };
  }
}
