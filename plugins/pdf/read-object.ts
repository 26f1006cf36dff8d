import { Lexer, latin1, parseValue } from './lexer.js';
import { numberOf, PdfDict, PdfRef, PdfStream, type PdfValue } from './objects.js';

export interface ReadObject {
  num: number;
  gen: number;
  value: PdfValue;
  /** What was wrong with this object's syntax (a /Length that lies, a missing endobj, …). */
  problems: string[];
}

/** Resolves an indirect /Length without loading streams (so no recursion through lengths). */
export type LengthLookup = (ref: PdfRef) => number | undefined;

const ENDSTREAM = 'endstream';

/**
 * Reads `N G obj … endobj` at `offset`. A stream's data is taken as /Length bytes when
 * `endstream` follows them; otherwise (a /Length that lies, or none) up to the next
 * `endstream`, or to the end of the file.
 */
export function readStreamAt(bytes: Uint8Array, offset: number, lookup: LengthLookup | undefined): ReadObject | undefined {
  const lx = new Lexer(bytes, offset);
  const a = lx.next();
  const b = lx.next();
  const c = lx.next();
  if (a.kind !== 'value' || !a.integer || b.kind !== 'value' || !b.integer || c.kind !== 'keyword' || c.word !== 'obj') return undefined;
  const num = a.value as number;
  const gen = b.value as number;
  const problems: string[] = [];
  const parsed = parseValue(lx);
  let value = parsed.value;
  if (parsed.unterminated && parsed.unterminated !== 'endobj' && parsed.unterminated !== 'stream')
    problems.push(`object ${num} ${gen} is unterminated (${parsed.unterminated})`);
  lx.skipWhitespace();
  const save = lx.pos;
  const t = lx.next();
  if (t.kind === 'keyword' && t.word === 'stream' && value instanceof PdfDict) {
    let start = lx.pos;
    if (bytes[start] === 0x0d) start++;
    if (bytes[start] === 0x0a) start++;
    const declared = lengthOf(value.get('Length'), lookup);
    let end: number | undefined;
    if (declared !== undefined && declared >= 0 && start + declared <= bytes.length && endstreamAt(bytes, start + declared)) end = start + declared;
    else {
      const found = indexOf(bytes, ENDSTREAM, start);
      end = found < 0 ? bytes.length : trimEol(bytes, start, found);
      if (found < 0) problems.push(`stream ${num} ${gen} has no endstream (data taken to the end of the file)`);
      else if (declared !== undefined) problems.push(`stream ${num} ${gen}: /Length ${declared} does not end at endstream (${end - start} bytes used)`);
      else problems.push(`stream ${num} ${gen}: no usable /Length (${end - start} bytes used, up to endstream)`);
    }
    value = new PdfStream(value, bytes.subarray(start, end), start);
  } else lx.pos = save;
  return { num, gen, value, problems };
}

function lengthOf(v: PdfValue | undefined, lookup: LengthLookup | undefined): number | undefined {
  if (v instanceof PdfRef) return lookup?.(v);
  return numberOf(v);
}

function endstreamAt(bytes: Uint8Array, pos: number): boolean {
  let p = pos;
  while (p < bytes.length && p < pos + 4 && (bytes[p] === 0x0a || bytes[p] === 0x0d || bytes[p] === 0x20 || bytes[p] === 0x09)) p++;
  return latin1(bytes.subarray(p, p + ENDSTREAM.length)) === ENDSTREAM;
}

function trimEol(bytes: Uint8Array, start: number, end: number): number {
  let e = end;
  if (e > start && bytes[e - 1] === 0x0a) e--;
  if (e > start && bytes[e - 1] === 0x0d) e--;
  return e;
}

export function indexOf(bytes: Uint8Array, needle: string, from: number): number {
  const first = needle.charCodeAt(0);
  outer: for (let i = bytes.indexOf(first, from); i >= 0 && i + needle.length <= bytes.length; i = bytes.indexOf(first, i + 1)) {
    for (let k = 1; k < needle.length; k++) if (bytes[i + k] !== needle.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
}
