import { textDecoder } from 'rxstoq';
/**
 * TNEF (winmail.dat, MS-OXTNEF) reader: the attachments it carries, with their names.
 * Attribute lengths are checked against the bytes present, never trusted for allocation.
 */

export const TNEF_SIGNATURE = 0x223e9f78;

const ATT_SUBJECT = 0x8004;
const ATT_MESSAGE_CLASS = 0x8008;
const ATT_ATTACH_DATA = 0x800f;
const ATT_ATTACH_TITLE = 0x8010;
const ATT_ATTACH_REND_DATA = 0x9002;
const ATT_ATTACHMENT = 0x9005;

const PR_ATTACH_DATA = 0x3701;
const PR_ATTACH_FILENAME = 0x3704;
const PR_ATTACH_LONG_FILENAME = 0x3707;
const PR_ATTACH_MIME_TAG = 0x370e;
const PR_DISPLAY_NAME = 0x3001;

export interface TnefAttachment {
  /** The long file name (PR_ATTACH_LONG_FILENAME) when present, else attAttachTitle, else PR_ATTACH_FILENAME. */
  filename: string | null;
  title: string | null;
  long_filename: string | null;
  mime_type: string | null;
  data: Uint8Array;
}

export interface TnefContent {
  key: number;
  message_class: string | null;
  subject: string | null;
  attachments: TnefAttachment[];
  problems: string[];
}

export function isTnef(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true) === TNEF_SIGNATURE;
}

const latin1 = textDecoder('windows-1252');
const utf16 = new TextDecoder('utf-16le');

function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return latin1.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

function unicodeString(bytes: Uint8Array): string {
  return utf16.decode(bytes).replace(/\0+$/, '');
}

interface Draft {
  title: string | null;
  data: Uint8Array | null;
  props: Map<number, Uint8Array | string>;
}

const FIXED_SIZE: Record<number, number> = { 0x2: 4, 0x3: 4, 0x4: 4, 0x5: 8, 0x6: 8, 0x7: 8, 0xa: 4, 0xb: 4, 0x14: 8, 0x40: 8, 0x48: 16 };
const pad4 = (n: number) => (n + 3) & ~3;

/**
 * A MAPI property list (attAttachment / attMsgProps): count, then each property's type, id,
 * optional named-property descriptor and value(s). Keeps the string and binary values; stops at
 * the first property that does not fit (reported).
 */
function readMapiProps(b: Uint8Array, problems: string[], maxProps: number): Map<number, Uint8Array | string> {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const props = new Map<number, Uint8Array | string>();
  if (b.length < 4) return props;
  const count = dv.getUint32(0, true);
  let p = 4;
  const need = (n: number) => {
    if (p + n > b.length) throw new RangeError('MAPI property list runs past its attribute');
  };
  try {
    for (let i = 0; i < count && i < maxProps; i++) {
      need(4);
      const type = dv.getUint16(p, true);
      const id = dv.getUint16(p + 2, true);
      p += 4;
      if (id >= 0x8000) {
        need(20);
        const kind = dv.getUint32(p + 16, true);
        p += 20;
        if (kind === 0) {
          need(4);
          p += 4;
        } else {
          need(4);
          const len = dv.getUint32(p, true);
          p += 4;
          need(pad4(len));
          p += pad4(len);
        }
      }
      const multi = (type & 0x1000) !== 0;
      const base = type & 0x0fff;
      let values = 1;
      if (multi || base === 0x1e || base === 0x1f || base === 0x102 || base === 0xd) {
        need(4);
        values = dv.getUint32(p, true);
        p += 4;
      }
      const fixed = FIXED_SIZE[base];
      if (fixed !== undefined) {
        need(values * fixed);
        p += pad4(values * fixed);
        continue;
      }
      if (base !== 0x1e && base !== 0x1f && base !== 0x102 && base !== 0xd) throw new RangeError(`unknown MAPI property type 0x${type.toString(16)}`);
      for (let v = 0; v < values; v++) {
        need(4);
        const len = dv.getUint32(p, true);
        p += 4;
        need(len);
        const raw = b.subarray(p, p + len);
        p += pad4(len);
        if (v > 0 || multi) continue;
        props.set(id, base === 0x1e ? cString(raw) : base === 0x1f ? unicodeString(raw) : raw);
      }
    }
  } catch (e) {
    problems.push(`TNEF: ${(e as Error).message}`);
  }
  return props;
}

/** Reads a TNEF stream; `maxAttachments` bounds what is kept. Never throws. */
export function readTnef(bytes: Uint8Array, maxAttachments: number): TnefContent {
  const problems: string[] = [];
  const out: TnefContent = { key: 0, message_class: null, subject: null, attachments: [], problems };
  if (!isTnef(bytes)) {
    problems.push('TNEF: no TNEF signature');
    return out;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  out.key = dv.getUint16(4, true);
  let p = 6;
  const drafts: Draft[] = [];
  let current: Draft | undefined;
  while (p < bytes.length) {
    if (p + 9 > bytes.length) {
      problems.push(`TNEF: truncated attribute header at offset ${p}`);
      break;
    }
    const level = bytes[p]!;
    const id = dv.getUint16(p + 1, true);
    const len = dv.getUint32(p + 5, true);
    const start = p + 9;
    if (len > bytes.length - start - 2) {
      problems.push(`TNEF: attribute 0x${id.toString(16)} at offset ${p} declares ${len} bytes, only ${Math.max(0, bytes.length - start - 2)} left`);
      break;
    }
    const data = bytes.subarray(start, start + len);
    const checksum = dv.getUint16(start + len, true);
    let sum = 0;
    for (const x of data) sum = (sum + x) & 0xffff;
    if (sum !== checksum) problems.push(`TNEF: checksum mismatch in attribute 0x${id.toString(16)} at offset ${p}`);
    p = start + len + 2;
    if (level === 1) {
      if (id === ATT_MESSAGE_CLASS) out.message_class = cString(data);
      else if (id === ATT_SUBJECT) out.subject = cString(data);
      continue;
    }
    if (level !== 2) {
      problems.push(`TNEF: unknown attribute level ${level} at offset ${p}`);
      continue;
    }
    if (id === ATT_ATTACH_REND_DATA) {
      if (drafts.length >= maxAttachments) {
        problems.push(`TNEF: more than ${maxAttachments} attachments; the rest skipped`);
        break;
      }
      current = { title: null, data: null, props: new Map() };
      drafts.push(current);
      continue;
    }
    if (!current) continue;
    if (id === ATT_ATTACH_TITLE) current.title = cString(data);
    else if (id === ATT_ATTACH_DATA) current.data = data;
    else if (id === ATT_ATTACHMENT) current.props = readMapiProps(data, problems, 4096);
  }
  for (const d of drafts) {
    const str = (k: number) => {
      const v = d.props.get(k);
      return typeof v === 'string' && v !== '' ? v : null;
    };
    const long = str(PR_ATTACH_LONG_FILENAME);
    const bin = d.props.get(PR_ATTACH_DATA);
    out.attachments.push({
      filename: long ?? d.title ?? str(PR_ATTACH_FILENAME) ?? str(PR_DISPLAY_NAME),
      title: d.title,
      long_filename: long,
      mime_type: str(PR_ATTACH_MIME_TAG),
      data: d.data ?? (bin instanceof Uint8Array ? bin : new Uint8Array(0)),
    });
  }
  return out;
}
