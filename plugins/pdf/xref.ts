import { decodeStream } from './filters.js';
import { Lexer, latin1, parseValue } from './lexer.js';
import { numberOf, PdfDict, PdfStream, type PdfValue } from './objects.js';
import { readStreamAt } from './read-object.js';

export type XrefEntry = { type: 'offset'; offset: number; gen: number } | { type: 'compressed'; stream: number; index: number } | { type: 'free' };

export interface XrefSection {
  kind: 'table' | 'stream';
  offset: number;
  trailer: PdfDict;
}

export interface XrefChain {
  entries: Map<number, XrefEntry>;
  sections: XrefSection[];
  damage: string[];
}

/** xref sections read at most through /Prev links (incremental updates). */
const MAX_SECTIONS = 4096;

/**
 * Reads the cross-reference chain from `startxref` back through /Prev (and hybrid /XRefStm).
 * Newer sections win. A loop, an offset outside the file or an unreadable section ends the chain
 * and is reported; what was read is kept.
 */
export function readXrefChain(bytes: Uint8Array, start: number, maxObjects: number, maxStreamBytes: number): XrefChain {
  const entries = new Map<number, XrefEntry>();
  const sections: XrefSection[] = [];
  const damage: string[] = [];
  const seen = new Set<number>();
  const pending: number[] = [start];
  while (pending.length > 0) {
    const offset = pending.shift()!;
    if (seen.has(offset)) {
      damage.push(`xref /Prev chain loops back to offset ${offset}`);
      break;
    }
    seen.add(offset);
    if (sections.length >= MAX_SECTIONS) {
      damage.push(`more than ${MAX_SECTIONS} xref sections; the rest ignored`);
      break;
    }
    if (!Number.isInteger(offset) || offset < 0 || offset >= bytes.length) {
      damage.push(`xref offset ${offset} is outside the file (${bytes.length} bytes)`);
      break;
    }
    const section = readTable(bytes, offset, entries, maxObjects, damage) ?? readStream(bytes, offset, entries, maxObjects, maxStreamBytes, damage);
    if (!section) {
      damage.push(`no xref table or xref stream at offset ${offset}`);
      break;
    }
    sections.push(section);
    const hybrid = numberOf(section.trailer.get('XRefStm'));
    if (section.kind === 'table' && hybrid !== undefined && !seen.has(hybrid)) {
      seen.add(hybrid);
      const s = readStream(bytes, hybrid, entries, maxObjects, maxStreamBytes, damage);
      if (!s) damage.push(`no xref stream at /XRefStm offset ${hybrid}`);
    }
    const prev = numberOf(section.trailer.get('Prev'));
    if (prev !== undefined) pending.push(prev);
  }
  return { entries, sections, damage };
}

function setEntry(entries: Map<number, XrefEntry>, num: number, entry: XrefEntry, maxObjects: number): boolean {
  if (entries.has(num)) return true;
  if (entries.size >= maxObjects) return false;
  entries.set(num, entry);
  return true;
}

function readTable(bytes: Uint8Array, offset: number, entries: Map<number, XrefEntry>, maxObjects: number, damage: string[]): XrefSection | undefined {
  const lx = new Lexer(bytes, offset);
  const first = lx.next();
  if (first.kind !== 'keyword' || first.word !== 'xref') return undefined;
  let full = false;
  for (;;) {
    const save = lx.pos;
    const a = lx.next();
    if (a.kind === 'keyword' && a.word === 'trailer') break;
    const b = lx.next();
    if (a.kind !== 'value' || !a.integer || b.kind !== 'value' || !b.integer) {
      damage.push(`xref table at ${offset}: no trailer after the entries`);
      lx.pos = save;
      return { kind: 'table', offset, trailer: findTrailerAfter(bytes, save) ?? new PdfDict(new Map()) };
    }
    let startNum = a.value as number;
    const count = b.value as number;
    for (let i = 0; i < count; i++) {
      const fixed = fixedEntry(bytes, lx);
      if (fixed) {
        if (i === 0 && startNum === 1 && !fixed.used && fixed.gen === 65535) startNum = 0;
        const entry: XrefEntry = fixed.used ? { type: 'offset', offset: fixed.offset, gen: fixed.gen } : { type: 'free' };
        if (!full && !setEntry(entries, startNum + i, entry, maxObjects)) full = true;
        continue;
      }
      const eo = lx.next();
      const eg = lx.next();
      const et = lx.next();
      if (eo.kind !== 'value' || eg.kind !== 'value' || et.kind !== 'keyword' || (et.word !== 'n' && et.word !== 'f')) {
        damage.push(`xref table at ${offset}: subsection ${startNum} has ${i} readable entries of ${count}`);
        lx.pos = save;
        return { kind: 'table', offset, trailer: findTrailerAfter(bytes, lx.pos) ?? new PdfDict(new Map()) };
      }
      // A common writer bug: the first subsection numbered from 1 while its first entry is object 0's free head.
      if (i === 0 && startNum === 1 && et.word === 'f' && eg.value === 65535) startNum = 0;
      const num = startNum + i;
      const entry: XrefEntry = et.word === 'n' ? { type: 'offset', offset: eo.value as number, gen: eg.value as number } : { type: 'free' };
      if (!full && !setEntry(entries, num, entry, maxObjects)) full = true;
    }
  }
  if (full) damage.push(`more than max_objects xref entries; the rest ignored`);
  const t = parseValue(lx).value;
  return { kind: 'table', offset, trailer: t instanceof PdfDict ? t : new PdfDict(new Map()) };
}

/** The common 20-byte form `oooooooooo ggggg n` read without the lexer (big tables are slow otherwise). */
function fixedEntry(bytes: Uint8Array, lx: Lexer): { offset: number; gen: number; used: boolean } | undefined {
  lx.skipWhitespace();
  const p = lx.pos;
  if (p + 18 > bytes.length || bytes[p + 10] !== 0x20 || bytes[p + 16] !== 0x20) return undefined;
  const kind = bytes[p + 17];
  if (kind !== 0x6e && kind !== 0x66) return undefined;
  let offset = 0;
  let gen = 0;
  for (let i = 0; i < 10; i++) {
    const d = bytes[p + i]! - 0x30;
    if (d < 0 || d > 9) return undefined;
    offset = offset * 10 + d;
  }
  for (let i = 11; i < 16; i++) {
    const d = bytes[p + i]! - 0x30;
    if (d < 0 || d > 9) return undefined;
    gen = gen * 10 + d;
  }
  lx.pos = p + 18;
  return { offset, gen, used: kind === 0x6e };
}

function findTrailerAfter(bytes: Uint8Array, from: number): PdfDict | undefined {
  const i = latin1(bytes.subarray(from, Math.min(bytes.length, from + 65536 * 4))).indexOf('trailer');
  if (i < 0) return undefined;
  const lx = new Lexer(bytes, from + i + 7);
  const v = parseValue(lx).value;
  return v instanceof PdfDict ? v : undefined;
}

function readStream(
  bytes: Uint8Array,
  offset: number,
  entries: Map<number, XrefEntry>,
  maxObjects: number,
  maxStreamBytes: number,
  damage: string[],
): XrefSection | undefined {
  const obj = readStreamAt(bytes, offset, undefined);
  if (!obj || !(obj.value instanceof PdfStream)) return undefined;
  const stream = obj.value;
  const dict = stream.dict;
  const w = dict.get('W');
  if (!Array.isArray(w) || w.length < 3) {
    damage.push(`xref stream at ${offset} has no usable /W`);
    return { kind: 'stream', offset, trailer: dict };
  }
  const widths = w.slice(0, 3).map((x) => Math.max(0, Math.min(8, numberOf(x) ?? 0)));
  const size = numberOf(dict.get('Size')) ?? 0;
  const index = (Array.isArray(dict.get('Index')) ? (dict.get('Index') as PdfValue[]) : [0, size]).map((x) => numberOf(x) ?? 0);
  let data: Uint8Array;
  try {
    data = decodeStream(stream.raw, dict, maxStreamBytes).data;
  } catch (e) {
    damage.push(`xref stream at ${offset} cannot be decoded: ${(e as Error).message || 'over max_stream_bytes'}`);
    return { kind: 'stream', offset, trailer: dict };
  }
  const rowSize = widths[0]! + widths[1]! + widths[2]!;
  if (rowSize === 0) return { kind: 'stream', offset, trailer: dict };
  let pos = 0;
  const field = (width: number, fallback: number) => {
    if (width === 0) return fallback;
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + data[pos++]!;
    return v;
  };
  let full = false;
  outer: for (let k = 0; k + 1 < index.length; k += 2) {
    const first = index[k]!;
    const count = index[k + 1]!;
    for (let i = 0; i < count; i++) {
      if (pos + rowSize > data.length) {
        damage.push(`xref stream at ${offset} ends before its /Index says`);
        break outer;
      }
      const type = field(widths[0]!, 1);
      const f2 = field(widths[1]!, 0);
      const f3 = field(widths[2]!, 0);
      const entry: XrefEntry =
        type === 1 ? { type: 'offset', offset: f2, gen: f3 } : type === 2 ? { type: 'compressed', stream: f2, index: f3 } : { type: 'free' };
      if (!full && !setEntry(entries, first + i, entry, maxObjects)) full = true;
    }
  }
  if (full) damage.push(`more than max_objects xref entries; the rest ignored`);
  return { kind: 'stream', offset, trailer: dict };
}

/** The offset after the last `startxref`, looked for in the file's tail first. */
export function findStartxref(bytes: Uint8Array): number | undefined {
  const tailStart = Math.max(0, bytes.length - 4096);
  let text = latin1(bytes.subarray(tailStart));
  let i = text.lastIndexOf('startxref');
  if (i < 0) {
    text = latin1(bytes);
    i = text.lastIndexOf('startxref');
  }
  if (i < 0) return undefined;
  const m = /^startxref\s+(\d+)/.exec(text.slice(i, i + 40));
  return m ? Number(m[1]) : undefined;
}

/** Every `N G obj` in the file, the last one of each number winning (a rebuilt xref). */
export function scanObjects(bytes: Uint8Array, maxObjects: number): { entries: Map<number, XrefEntry>; trailers: PdfDict[]; capped: boolean } {
  const text = latin1(bytes);
  const entries = new Map<number, XrefEntry>();
  let capped = false;
  const re = /(?<![0-9])(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj(?![A-Za-z])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const num = Number(m[1]);
    if (!entries.has(num) && entries.size >= maxObjects) {
      capped = true;
      continue;
    }
    entries.set(num, { type: 'offset', offset: m.index, gen: Number(m[2]) });
  }
  // Trailers: `trailer` dictionaries, and the dictionaries of xref streams (which hold the same keys).
  const found: [number, PdfDict][] = [];
  for (let i = text.indexOf('trailer'); i >= 0; i = text.indexOf('trailer', i + 7)) {
    const v = parseValue(new Lexer(bytes, i + 7)).value;
    if (v instanceof PdfDict) found.push([i, v]);
  }
  for (const re2 = /\/Type\s*\/XRef(?![A-Za-z])/g, m = { v: re2.exec(text) }; m.v; m.v = re2.exec(text)) {
    const objAt = text.lastIndexOf(' obj', m.v.index);
    const start = objAt < 0 ? -1 : text.lastIndexOf('<<', m.v.index);
    if (start < 0 || start < objAt) continue;
    const v = parseValue(new Lexer(bytes, start)).value;
    if (v instanceof PdfDict) found.push([start, v]);
  }
  const trailers = found.sort((a, b) => a[0] - b[0]).map(([, d]) => d);
  return { entries, trailers, capped };
}
