import { DecodeLimit, decodeStream, OPAQUE_FILTERS } from './filters.js';
import { Lexer, latin1, parseValue } from './lexer.js';
import { childrenOf, nameOf, numberOf, PdfDict, PdfRef, PdfStream, PdfString, type PdfValue } from './objects.js';
import { readStreamAt, type ReadObject } from './read-object.js';
import { findStartxref, readXrefChain, scanObjects, type XrefEntry, type XrefSection } from './xref.js';

export interface Limits {
  max_objects: number;
  max_stream_bytes: number;
  max_total_decoded_bytes: number;
  max_reference_depth: number;
}

/** Decrypts one object's strings and streams (the standard security handler, when it can). */
export interface Decryptor {
  decrypt(data: Uint8Array, num: number, gen: number, kind: 'string' | 'stream'): Uint8Array;
  /** True for a stream left in clear (unencrypted metadata, its own Crypt filter). */
  skips(value: PdfValue): boolean;
}

/**
 * The file's objects, found through its xref chain or, where that fails, by scanning for
 * `N G obj`. Objects load lazily, are cached, and nothing here recurses on the JS stack through
 * references: chains are followed in loops with a hop limit.
 */
export class PdfDocument {
  readonly damage: string[] = [];
  readonly entries: Map<number, XrefEntry>;
  readonly sections: XrefSection[];
  readonly trailer: PdfDict;
  readonly header: { version: string | null; offset: number };
  readonly startxref: number | undefined;
  rebuilt = false;
  decodedTotal = 0;
  decryptor: Decryptor | undefined;
  /** The /Encrypt dictionary's object number: its strings are never encrypted. */
  encryptNum: number | undefined;
  readonly objectStreams = new Map<number, number>();
  #scan: ReturnType<typeof scanObjects> | undefined;
  readonly #cache = new Map<number, PdfValue>();
  readonly #objStms = new Map<number, Map<number, PdfValue> | null>();
  readonly #noted = new Set<string>();

  constructor(
    readonly bytes: Uint8Array,
    readonly limits: Limits,
  ) {
    this.header = findHeader(bytes);
    if (this.header.version === null) this.note('no %PDF- header in the first 1024 bytes');
    this.startxref = findStartxref(bytes);
    let chain: ReturnType<typeof readXrefChain> | undefined;
    if (this.startxref === undefined) this.note('no startxref: the xref is rebuilt by scanning for objects');
    else {
      chain = readXrefChain(bytes, this.startxref, limits.max_objects, limits.max_stream_bytes);
      if (chain.sections.length === 0 && this.header.offset > 0) {
        // Junk before the header: some writers count offsets from the header instead.
        const shifted = readXrefChain(bytes, this.startxref + this.header.offset, limits.max_objects, limits.max_stream_bytes);
        if (shifted.sections.length > 0) chain = shifted;
      }
      for (const d of chain.damage) this.note(d);
    }
    this.entries = chain?.entries ?? new Map();
    this.sections = chain?.sections ?? [];
    const trailer = new Map<string, PdfValue>();
    for (const s of this.sections) for (const [k, v] of s.trailer.entries) if (!trailer.has(k)) trailer.set(k, v);
    if (!chain || chain.damage.length > 0 || this.sections.length === 0 || !trailer.has('Root')) {
      const scan = this.#scanned();
      this.rebuilt = true;
      for (const [num, e] of scan.entries) if (!this.entries.has(num) && this.entries.size < limits.max_objects) this.entries.set(num, e);
      for (const t of [...scan.trailers].reverse()) for (const [k, v] of t.entries) if (!trailer.has(k)) trailer.set(k, v);
    }
    this.trailer = new PdfDict(trailer);
    const enc = this.trailer.get('Encrypt');
    if (enc instanceof PdfRef) this.encryptNum = enc.num;
  }

  /**
   * A rebuilt xref knows only objects written as `N G obj`: those inside object streams join it
   * here (called once the decryptor, if any, is in place).
   */
  addObjectStreamMembers(): void {
    if (!this.rebuilt) return;
    const objStm = /\/Type\s*\/ObjStm(?![A-Za-z])/;
    for (const [num, e] of [...this.entries]) {
      if (e.type !== 'offset' || !objStm.test(latin1(this.bytes.subarray(e.offset, e.offset + 512)))) continue;
      for (const member of this.loadObjectStream(num)?.keys() ?? []) {
        if (this.entries.has(member) || this.entries.size >= this.limits.max_objects) continue;
        this.entries.set(member, { type: 'compressed', stream: num, index: 0 });
      }
    }
  }

  /** Records a problem once (the same message is not repeated). */
  note(message: string): void {
    if (this.#noted.has(message)) return;
    this.#noted.add(message);
    this.damage.push(message);
  }

  #scanned(): ReturnType<typeof scanObjects> {
    if (!this.#scan) {
      this.#scan = scanObjects(this.bytes, this.limits.max_objects);
      if (this.#scan.capped) this.note(`more than max_objects (${this.limits.max_objects}) objects in the file; the rest ignored`);
    }
    return this.#scan;
  }

  /** An indirect object's value, or null when it is missing, free or unreadable. */
  getObject(num: number): PdfValue {
    if (this.#cache.has(num)) return this.#cache.get(num)!;
    const entry = this.entries.get(num);
    if (entry === undefined) return null;
    this.#cache.set(num, null);
    let value: PdfValue = null;
    if (entry?.type === 'offset') {
      const read = this.#readAt(num, entry.offset);
      if (read) {
        value = read.value;
        for (const p of read.problems) this.note(p);
        if (this.decryptor && num !== this.encryptNum) value = this.#decrypt(value, num, read.gen);
      }
    } else if (entry?.type === 'compressed') {
      value = this.#fromObjectStream(num, entry.stream);
    }
    this.#cache.set(num, value);
    return value;
  }

  #readAt(num: number, offset: number): ReadObject | undefined {
    const lookup = (ref: PdfRef) => this.#lengthOf(ref);
    const tries = [offset, offset + this.header.offset];
    for (const at of tries) {
      if (at < 0 || at >= this.bytes.length) continue;
      const r = readStreamAt(this.bytes, at, lookup);
      if (r && r.num === num) return r;
    }
    const found = this.#scanned().entries.get(num);
    if (found?.type === 'offset') {
      const r = readStreamAt(this.bytes, found.offset, lookup);
      if (r && r.num === num) {
        this.note(`object ${num} is not at its xref offset ${offset} (found at ${found.offset})`);
        return r;
      }
    }
    this.note(`object ${num} is missing (xref offset ${offset})`);
    return undefined;
  }

  #lengthOf(ref: PdfRef): number | undefined {
    const cached = this.#cache.get(ref.num);
    if (typeof cached === 'number') return cached;
    const entry = this.entries.get(ref.num);
    if (entry?.type !== 'offset' || entry.offset >= this.bytes.length) return undefined;
    const r = readStreamAt(this.bytes, entry.offset, undefined);
    return r && r.num === ref.num ? numberOf(r.value) : undefined;
  }

  #fromObjectStream(num: number, streamNum: number): PdfValue {
    let members = this.#objStms.get(streamNum);
    if (members === undefined) members = this.loadObjectStream(streamNum);
    else if (members === null) {
      this.note(`object stream ${streamNum} loops back on itself`);
      return null;
    }
    return members?.get(num) ?? null;
  }

  /** Parses an /ObjStm's members (ISO 32000-1 §7.5.7); null when it cannot be read. */
  loadObjectStream(streamNum: number): Map<number, PdfValue> | null {
    const known = this.#objStms.get(streamNum);
    if (known !== undefined) return known;
    this.#objStms.set(streamNum, null);
    if (this.entries.get(streamNum)?.type === 'compressed') {
      this.note(`object stream ${streamNum} is itself inside an object stream`);
      return null;
    }
    const stream = this.getObject(streamNum);
    if (!(stream instanceof PdfStream)) {
      this.note(`object stream ${streamNum} is missing or not a stream`);
      return null;
    }
    const data = this.decode(stream, `object stream ${streamNum}`);
    if (!data) return null;
    const n = Math.min(numberOf(stream.dict.get('N')) ?? 0, this.limits.max_objects);
    const first = numberOf(stream.dict.get('First')) ?? 0;
    const lx = new Lexer(data);
    const pairs: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const a = lx.next();
      const b = lx.next();
      if (a.kind !== 'value' || b.kind !== 'value' || typeof a.value !== 'number' || typeof b.value !== 'number') {
        this.note(`object stream ${streamNum}: header has ${i} of ${n} entries`);
        break;
      }
      pairs.push([a.value, b.value]);
    }
    const members = new Map<number, PdfValue>();
    for (const [num, off] of pairs) {
      if (first + off >= data.length) {
        this.note(`object stream ${streamNum}: object ${num} offset ${off} is past its data`);
        continue;
      }
      members.set(num, parseValue(new Lexer(data, first + off)).value);
    }
    this.objectStreams.set(streamNum, members.size);
    this.#objStms.set(streamNum, members);
    return members;
  }

  /** Follows a chain of references in a loop, at most max_reference_depth hops. */
  resolve(v: PdfValue | undefined): PdfValue {
    let value: PdfValue = v ?? null;
    let hops = 0;
    while (value instanceof PdfRef) {
      if (++hops > this.limits.max_reference_depth) {
        this.note(`reference chain deeper than max_reference_depth (${this.limits.max_reference_depth}) at object ${value.num}`);
        return null;
      }
      value = this.getObject(value.num);
    }
    return value;
  }

  /** A stream's decoded data within the byte budgets; undefined (and a note) when it cannot be had. */
  decode(stream: PdfStream, what: string): Uint8Array | undefined {
    const remaining = this.limits.max_total_decoded_bytes - this.decodedTotal;
    if (remaining <= 0) {
      this.note(`max_total_decoded_bytes (${this.limits.max_total_decoded_bytes}) reached: ${what} not decoded`);
      return undefined;
    }
    const limit = Math.min(this.limits.max_stream_bytes, remaining);
    try {
      const { data, stopped_at } = decodeStream(stream.raw, stream.dict, limit);
      this.decodedTotal += data.length;
      if (stopped_at && !OPAQUE_FILTERS.has(stopped_at)) {
        this.note(`${what}: unknown filter ${stopped_at}`);
        return undefined;
      }
      return data;
    } catch (e) {
      if (e instanceof DecodeLimit) {
        this.decodedTotal += limit;
        this.note(
          limit === this.limits.max_stream_bytes
            ? `${what}: decoded data passes max_stream_bytes (${limit}); not decoded`
            : `${what}: decoded data passes what is left of max_total_decoded_bytes (${limit} of ${this.limits.max_total_decoded_bytes}); not decoded`,
        );
      } else this.note(`${what}: cannot be decoded (${(e as Error).message})`);
      return undefined;
    }
  }

  /** Decrypts every string in a freshly read object, walking it with an explicit stack. */
  #decrypt(value: PdfValue, num: number, gen: number): PdfValue {
    const d = this.decryptor!;
    const stack: PdfValue[] = [value];
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (v instanceof PdfString) v.bytes = d.decrypt(v.bytes, num, gen, 'string');
      else for (const c of childrenOf(v)) stack.push(c);
    }
    if (value instanceof PdfStream && nameOf(value.dict.get('Type')) !== 'XRef' && !d.skips(value)) value.raw = d.decrypt(value.raw, num, gen, 'stream');
    return value;
  }
}

function findHeader(bytes: Uint8Array): { version: string | null; offset: number } {
  const head = latin1(bytes.subarray(0, 1024 + 8));
  const i = head.indexOf('%PDF-');
  if (i < 0 || i >= 1024) return { version: null, offset: 0 };
  const m = /^%PDF-(\d+\.\d+)/.exec(head.slice(i));
  return { version: m ? m[1]! : null, offset: i };
}
