/**
 * Property set streams ([MS-OLEPS]): \x05SummaryInformation and \x05DocumentSummaryInformation.
 * Values are decoded by type; names come from the FMTID's property table.
 */
import { fileTimeIso, readClsid } from './cfb-reader.js';
import { decodeCodePage } from './codepage.js';

const VT_VECTOR = 0x1000;
/** Properties read at most per set, and elements per vector. */
const MAX_PROPERTIES = 1000;
const MAX_VECTOR = 1000;

export const FMTID_SUMMARY = 'F29F85E0-4FF9-1068-AB91-08002B27B3D9';
export const FMTID_DOC_SUMMARY = 'D5CDD502-2E9C-101B-9397-08002B2CF9AE';
export const FMTID_USER_DEFINED = 'D5CDD505-2E9C-101B-9397-08002B2CF9AE';

/** [MS-OLEPS] 2.25.1, named as olefile's OleMetadata names them. */
export const SUMMARY_NAMES: Record<number, string> = {
  1: 'codepage',
  2: 'title',
  3: 'subject',
  4: 'author',
  5: 'keywords',
  6: 'comments',
  7: 'template',
  8: 'last_saved_by',
  9: 'revision_number',
  10: 'total_edit_time',
  11: 'last_printed',
  12: 'create_time',
  13: 'last_saved_time',
  14: 'num_pages',
  15: 'num_words',
  16: 'num_chars',
  17: 'thumbnail',
  18: 'creating_application',
  19: 'security',
};

/** [MS-OLEPS] 2.25.3. */
export const DOC_SUMMARY_NAMES: Record<number, string> = {
  1: 'codepage',
  2: 'category',
  3: 'presentation_target',
  4: 'bytes',
  5: 'lines',
  6: 'paragraphs',
  7: 'slides',
  8: 'notes',
  9: 'hidden_slides',
  10: 'mm_clips',
  11: 'scale_crop',
  12: 'heading_pairs',
  13: 'titles_of_parts',
  14: 'manager',
  15: 'company',
  16: 'links_dirty',
  17: 'chars_with_spaces',
  19: 'shared_doc',
  20: 'link_base',
  21: 'hlinks',
  22: 'hlinks_changed',
  23: 'version',
  24: 'dig_sig',
  26: 'content_type',
  27: 'content_status',
  28: 'language',
  29: 'doc_version',
};

export type PropertyValue = string | number | boolean | null | { type: string; size: number } | PropertyValue[];

export interface PropertySets {
  /** Properties by name (unknown ids as `property_<id>`). */
  properties: Record<string, PropertyValue>;
  /** DocumentSummaryInformation's second section: custom properties by their dictionary names. */
  user_defined?: Record<string, PropertyValue>;
  problems: string[];
}

class Reader {
  readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(at: number, n: number): void {
    if (at < 0 || at + n > this.bytes.length) throw new RangeError(`value at offset ${at} runs past the end of the stream`);
  }
  u16(at: number): number {
    this.need(at, 2);
    return this.dv.getUint16(at, true);
  }
  u32(at: number): number {
    this.need(at, 4);
    return this.dv.getUint32(at, true);
  }
  i16(at: number): number {
    this.need(at, 2);
    return this.dv.getInt16(at, true);
  }
  i32(at: number): number {
    this.need(at, 4);
    return this.dv.getInt32(at, true);
  }
  u64(at: number): bigint {
    this.need(at, 8);
    return this.dv.getBigUint64(at, true);
  }
  i64(at: number): bigint {
    this.need(at, 8);
    return this.dv.getBigInt64(at, true);
  }
  f32(at: number): number {
    this.need(at, 4);
    return this.dv.getFloat32(at, true);
  }
  f64(at: number): number {
    this.need(at, 8);
    return this.dv.getFloat64(at, true);
  }
}

/**
 * Parses a property set stream. `names` maps the first section's property ids; a
 * DocumentSummaryInformation's second (user-defined) section is read with its dictionary.
 */
export function parsePropertySetStream(bytes: Uint8Array, names: Record<number, string>, totalEditId?: number): PropertySets {
  const problems: string[] = [];
  const r = new Reader(bytes);
  const out: PropertySets = { properties: {}, problems };
  try {
    if (r.u16(0) !== 0xfffe) problems.push(`byte order mark 0x${r.u16(0).toString(16)} instead of 0xfffe`);
    const sets = Math.min(r.u32(24), 2);
    for (let i = 0; i < sets; i++) {
      const fmtid = readClsid(bytes, 28 + i * 20);
      const offset = r.u32(28 + i * 20 + 16);
      const section = readSection(r, offset, problems);
      if (i === 0) {
        for (const [id, value] of section.values) {
          if (id === 0 || id === 0x80000000) continue;
          const name = names[id] ?? `property_${id}`;
          // The code page is a VT_I2 holding an unsigned number (65001 is UTF-8, not -535).
          if (id === 1 && typeof value === 'number') {
            out.properties[name] = value & 0xffff;
            continue;
          }
          out.properties[name] = id === totalEditId && section.raw.has(id) ? editSeconds(section.raw.get(id)) : value;
        }
      } else if (fmtid === FMTID_USER_DEFINED) {
        const user: Record<string, PropertyValue> = {};
        for (const [id, value] of section.values) {
          if (id <= 1 || id === 0x80000000) continue;
          user[section.dictionary.get(id) ?? `property_${id}`] = value;
        }
        out.user_defined = user;
      }
    }
  } catch (e) {
    problems.push((e as Error).message);
  }
  return out;
}

/** Total editing time is a duration in 100 ns units stored as a FILETIME; seconds, as a number. */
function editSeconds(raw: bigint | undefined): number | null {
  return raw === undefined ? null : Number(raw / 10_000_000n);
}

interface Section {
  values: Map<number, PropertyValue>;
  dictionary: Map<number, string>;
  /** FILETIME values as ticks, for the one that is a duration. */
  raw: Map<number, bigint>;
}

function readSection(r: Reader, base: number, problems: string[]): Section {
  const section: Section = { values: new Map(), dictionary: new Map(), raw: new Map() };
  const size = r.u32(base);
  const declared = r.u32(base + 4);
  const count = Math.min(declared, MAX_PROPERTIES, Math.floor(Math.max(0, Math.min(size, r.bytes.length - base) - 8) / 8));
  if (count < declared) problems.push(`section declares ${declared} properties, ${count} read`);
  const ids: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) ids.push([r.u32(base + 8 + i * 8), base + r.u32(base + 12 + i * 8)]);
  let codepage: number | null = null;
  const cp = ids.find(([id]) => id === 1);
  if (cp) {
    try {
      if (r.u16(cp[1]) === 2) codepage = r.u16(cp[1] + 4);
    } catch {
      // reported when the values are read
    }
  }
  for (const [id, at] of ids) {
    try {
      if (id === 0) {
        readDictionary(r, at, codepage, section.dictionary);
        continue;
      }
      const type = r.u16(at);
      if (type === 0x40) section.raw.set(id, r.u64(at + 4));
      section.values.set(id, readValue(r, type, at + 4, codepage, false).value);
    } catch (e) {
      problems.push(`property ${id}: ${(e as Error).message}`);
    }
  }
  return section;
}

function readDictionary(r: Reader, at: number, codepage: number | null, into: Map<number, string>): void {
  const n = Math.min(r.u32(at), MAX_PROPERTIES);
  let p = at + 4;
  for (let i = 0; i < n; i++) {
    const id = r.u32(p);
    const len = r.u32(p + 4);
    p += 8;
    if (codepage === 1200) {
      r.need(p, len * 2);
      into.set(id, utf16(r.bytes.subarray(p, p + len * 2)));
      p += len * 2;
      p += (4 - (p % 4)) % 4;
    } else {
      r.need(p, len);
      into.set(id, decodeCodePage(r.bytes.subarray(p, p + len), codepage).replace(/\0+$/, ''));
      p += len;
    }
  }
}

function utf16(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b[i]! | (b[i + 1]! << 8));
  return s.replace(/\0+$/, '');
}

const pad4 = (n: number) => n + ((4 - (n % 4)) % 4);

/** A typed value at `at` (just after its type); `end` is the offset after it. */
function readValue(r: Reader, type: number, at: number, codepage: number | null, inVector: boolean): { value: PropertyValue; end: number } {
  if (type & VT_VECTOR) {
    const elementType = type & 0x0fff;
    const n = r.u32(at);
    const values: PropertyValue[] = [];
    let p = at + 4;
    for (let i = 0; i < Math.min(n, MAX_VECTOR); i++) {
      const t = elementType === 0x0c ? r.u16(p) : elementType;
      const v = readValue(r, t, elementType === 0x0c ? p + 4 : p, codepage, true);
      values.push(v.value);
      p = v.end;
    }
    return { value: values, end: p };
  }
  switch (type) {
    case 0x00:
    case 0x01:
      return { value: null, end: at };
    case 0x02:
      return { value: r.i16(at), end: at + (inVector ? 2 : 4) };
    case 0x12:
      return { value: r.u16(at), end: at + (inVector ? 2 : 4) };
    case 0x03:
    case 0x16:
      return { value: r.i32(at), end: at + 4 };
    case 0x13:
    case 0x17:
      return { value: r.u32(at), end: at + 4 };
    case 0x0b:
      return { value: r.u16(at) !== 0, end: at + (inVector ? 2 : 4) };
    case 0x04:
      return { value: r.f32(at), end: at + 4 };
    case 0x05:
      return { value: r.f64(at), end: at + 8 };
    case 0x14:
    case 0x15: {
      const v = type === 0x14 ? r.i64(at) : r.u64(at);
      return { value: Number(v), end: at + 8 };
    }
    case 0x1e: {
      const n = r.u32(at);
      r.need(at + 4, n);
      const text = codepage === 1200 ? utf16(r.bytes.subarray(at + 4, at + 4 + n)) : decodeCodePage(r.bytes.subarray(at + 4, at + 4 + n), codepage);
      return { value: text.replace(/\0+$/, ''), end: pad4(at + 4 + n) };
    }
    case 0x1f: {
      const n = r.u32(at);
      r.need(at + 4, n * 2);
      return { value: utf16(r.bytes.subarray(at + 4, at + 4 + n * 2)), end: pad4(at + 4 + n * 2) };
    }
    case 0x40: {
      const ticks = r.u64(at);
      return { value: ticks === 0n ? null : fileTimeIso(ticks), end: at + 8 };
    }
    case 0x48:
      r.need(at, 16);
      return { value: readClsid(r.bytes, at), end: at + 16 };
    case 0x41:
    case 0x46:
    case 0x47: {
      const n = r.u32(at);
      r.need(at + 4, n);
      return { value: { type: type === 0x47 ? 'clipboard' : 'blob', size: n }, end: pad4(at + 4 + n) };
    }
    default:
      throw new RangeError(`type 0x${type.toString(16)} not decoded`);
  }
}
