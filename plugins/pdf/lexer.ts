import { PdfDict, PdfName, PdfRef, PdfString, type PdfValue } from './objects.js';

const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIMITERS = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

export function isWhite(b: number | undefined): boolean {
  return b !== undefined && WHITESPACE.has(b);
}

function isRegular(b: number | undefined): boolean {
  return b !== undefined && !WHITESPACE.has(b) && !DELIMITERS.has(b);
}

/** A token: a finished simple value, a structural mark, or a bare keyword (obj, R, stream, …). */
export type Token =
  | { kind: 'value'; value: PdfValue; integer?: boolean }
  | { kind: 'open-array' | 'close-array' | 'open-dict' | 'close-dict' | 'eof' }
  | { kind: 'keyword'; word: string };

/**
 * A forgiving PDF tokenizer over the raw bytes. Never throws: unreadable bytes become keywords
 * that the parser skips.
 */
export class Lexer {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.length,
  ) {}

  skipWhitespace(): void {
    const b = this.bytes;
    while (this.pos < this.end) {
      const c = b[this.pos]!;
      if (WHITESPACE.has(c)) this.pos++;
      else if (c === 0x25) {
        while (this.pos < this.end && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
      } else break;
    }
  }

  next(): Token {
    this.skipWhitespace();
    const b = this.bytes;
    if (this.pos >= this.end) return { kind: 'eof' };
    const c = b[this.pos]!;
    switch (c) {
      case 0x5b:
        this.pos++;
        return { kind: 'open-array' };
      case 0x5d:
        this.pos++;
        return { kind: 'close-array' };
      case 0x3c:
        if (b[this.pos + 1] === 0x3c) {
          this.pos += 2;
          return { kind: 'open-dict' };
        }
        return { kind: 'value', value: this.#hexString() };
      case 0x3e:
        this.pos += b[this.pos + 1] === 0x3e ? 2 : 1;
        return { kind: 'close-dict' };
      case 0x28:
        return { kind: 'value', value: this.#literalString() };
      case 0x2f:
        return { kind: 'value', value: this.#name() };
      case 0x29:
      case 0x7b:
      case 0x7d:
        this.pos++;
        return { kind: 'keyword', word: String.fromCharCode(c) };
    }
    const start = this.pos;
    while (this.pos < this.end && isRegular(b[this.pos])) this.pos++;
    const number = parseNumber(b, start, this.pos);
    if (number) return { kind: 'value', value: number.value, integer: number.integer };
    const word = shortLatin1(b, start, this.pos);
    if (word === 'true') return { kind: 'value', value: true };
    if (word === 'false') return { kind: 'value', value: false };
    if (word === 'null') return { kind: 'value', value: null };
    return { kind: 'keyword', word };
  }

  #name(): PdfName {
    const b = this.bytes;
    this.pos++;
    const out: number[] = [];
    while (this.pos < this.end && isRegular(b[this.pos])) {
      const c = b[this.pos]!;
      if (c === 0x23 && isHex(b[this.pos + 1]) && isHex(b[this.pos + 2])) {
        out.push(parseInt(String.fromCharCode(b[this.pos + 1]!, b[this.pos + 2]!), 16));
        this.pos += 3;
      } else {
        out.push(c);
        this.pos++;
      }
    }
    return new PdfName(latin1(Uint8Array.from(out)));
  }

  #hexString(): PdfString {
    const b = this.bytes;
    this.pos++;
    const out: number[] = [];
    let high = -1;
    while (this.pos < this.end && b[this.pos] !== 0x3e) {
      const v = hexValue(b[this.pos]!);
      this.pos++;
      if (v < 0) continue;
      if (high < 0) high = v;
      else {
        out.push((high << 4) | v);
        high = -1;
      }
    }
    if (high >= 0) out.push(high << 4);
    this.pos++;
    return new PdfString(Uint8Array.from(out), true);
  }

  #literalString(): PdfString {
    const b = this.bytes;
    this.pos++;
    const out: number[] = [];
    let depth = 1;
    while (this.pos < this.end) {
      const c = b[this.pos++]!;
      if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) break;
      if (c !== 0x5c) {
        out.push(c);
        continue;
      }
      const e = b[this.pos++];
      if (e === undefined) break;
      const simple: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12 };
      if (simple[e] !== undefined) out.push(simple[e]);
      else if (e >= 0x30 && e <= 0x37) {
        let v = e - 0x30;
        for (let i = 0; i < 2 && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x37; i++) v = v * 8 + (b[this.pos++]! - 0x30);
        out.push(v & 0xff);
      } else if (e === 0x0d) {
        if (b[this.pos] === 0x0a) this.pos++;
      } else if (e !== 0x0a) out.push(e);
    }
    return new PdfString(Uint8Array.from(out), false);
  }
}

/** A number token (`12`, `-3.5`, `.5`, `+-4` as readers take it); undefined for anything else. */
function parseNumber(b: Uint8Array, start: number, end: number): { value: number; integer: boolean } | undefined {
  let i = start;
  let negative = false;
  while (i < end && (b[i] === 0x2b || b[i] === 0x2d)) {
    if (b[i] === 0x2d) negative = true;
    i++;
  }
  if (i === end) return undefined;
  let value = 0;
  let digits = 0;
  for (; i < end && b[i]! >= 0x30 && b[i]! <= 0x39; i++, digits++) value = value * 10 + (b[i]! - 0x30);
  let integer = true;
  if (i < end && b[i] === 0x2e) {
    integer = false;
    i++;
    let scale = 0.1;
    for (; i < end && b[i]! >= 0x30 && b[i]! <= 0x39; i++, digits++, scale /= 10) value += (b[i]! - 0x30) * scale;
  }
  if (i !== end || digits === 0) return undefined;
  return { value: negative ? -value : value, integer };
}

function shortLatin1(b: Uint8Array, start: number, end: number): string {
  if (end - start > 64) return latin1(b.subarray(start, end));
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && hexValue(b) >= 0;
}

export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

type Frame = { kind: 'array'; items: PdfValue[] } | { kind: 'dict'; items: PdfValue[] };

/** What `parseValue` read, and whether it ended cleanly. */
export interface Parsed {
  value: PdfValue;
  /** The keyword that stopped an unfinished container (endobj, stream, EOF), if any. */
  unterminated?: string;
}

/**
 * One value from the lexer's position. Containers are kept on an explicit stack, so nesting
 * depth costs heap, not JS stack. `1 0 R` is recognised by looking two tokens ahead.
 */
export function parseValue(lx: Lexer): Parsed {
  const stack: Frame[] = [];
  for (;;) {
    const save = lx.pos;
    const t = lx.next();
    let value: PdfValue | undefined;
    let produced = false;
    if (t.kind === 'open-array') stack.push({ kind: 'array', items: [] });
    else if (t.kind === 'open-dict') stack.push({ kind: 'dict', items: [] });
    else if (t.kind === 'close-array' || t.kind === 'close-dict') {
      const want = t.kind === 'close-array' ? 'array' : 'dict';
      if (stack.length === 0) continue;
      if (stack[stack.length - 1]!.kind !== want) continue;
      value = close(stack.pop()!);
      produced = true;
    } else if (t.kind === 'value') {
      value = t.value;
      produced = true;
      if (t.integer) {
        const after = lx.pos;
        const t2 = lx.next();
        if (t2.kind === 'value' && t2.integer) {
          const t3 = lx.next();
          if (t3.kind === 'keyword' && t3.word === 'R') value = new PdfRef(t.value as number, t2.value as number);
          else lx.pos = after;
        } else lx.pos = after;
      }
    } else {
      const word = t.kind === 'keyword' ? t.word : 'EOF';
      if (t.kind === 'eof' || word === 'endobj' || word === 'stream' || word === 'obj' || word === 'endstream' || word === 'xref' || word === 'trailer') {
        lx.pos = save;
        if (stack.length === 0) return { value: null, unterminated: word };
        let v: PdfValue = null;
        while (stack.length > 0) {
          v = close(stack.pop()!);
          if (stack.length > 0) stack[stack.length - 1]!.items.push(v);
        }
        return { value: v, unterminated: word };
      }
      // Any other bare word: unknown operator or garbage inside an object, skipped.
      if (stack.length === 0) return { value: null, unterminated: word };
      continue;
    }
    if (!produced) continue;
    if (stack.length === 0) return { value: value! };
    stack[stack.length - 1]!.items.push(value!);
  }
}

function close(frame: Frame): PdfValue {
  if (frame.kind === 'array') return frame.items;
  const map = new Map<string, PdfValue>();
  for (let i = 0; i + 1 < frame.items.length; i += 2) {
    const k = frame.items[i];
    if (k instanceof PdfName) map.set(k.name, frame.items[i + 1]!);
  }
  return new PdfDict(map);
}
