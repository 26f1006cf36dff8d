import { decodeWords } from 'postal-mime';
import { textDecoder } from 'rxstoq';

/** One header field as it appeared: its name as written and its value, unfolded but not decoded. */
export interface HeaderField {
  name: string;
  raw: string;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** Offset of the body (just past the blank line), or the end of the range when there is none. */
  bodyStart: number;
  /** Set when the block was longer than allowed; fields past the limit are dropped. */
  truncated: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const cp1252 = textDecoder('windows-1252');

/** Raw 8-bit header bytes: UTF-8 when they are valid UTF-8 (RFC 6532), else Windows-1252. */
export function headerText(bytes: Uint8Array): string {
  for (const b of bytes) {
    if (b >= 0x80) {
      try {
        return utf8.decode(bytes);
      } catch {
        return cp1252.decode(bytes);
      }
    }
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** End of the line starting at `pos` (index of its LF, or `end`). */
function lineEnd(buf: Uint8Array, pos: number, end: number): number {
  const i = buf.indexOf(0x0a, pos);
  return i < 0 || i >= end ? end : i;
}

/**
 * Reads the header block of the entity in `buf[start, end)`: lines up to the first empty one,
 * continuation lines (starting with space or tab) joined to the field before them. A first line
 * that is no header (no colon, or a space in the name) is body, as Python's parser treats it.
 */
export function readHeaderBlock(buf: Uint8Array, start: number, end: number, maxBytes: number): HeaderBlock {
  const fields: HeaderField[] = [];
  let pos = start;
  let truncated = false;
  let current: { name: string; parts: Uint8Array[] } | undefined;
  const flush = () => {
    if (!current) return;
    const value = current.parts.map(headerText).join('');
    // Leading blanks go, trailing ones stay (as Python's parser keeps them).
    fields.push({ name: current.name, raw: value.replace(/^[ \t]+/, '') });
    current = undefined;
  };
  while (pos < end) {
    const nl = lineEnd(buf, pos, end);
    let stop = nl;
    if (stop > pos && buf[stop - 1] === 0x0d) stop--;
    const next = Math.min(nl + 1, end);
    if (stop === pos) {
      flush();
      return { fields, bodyStart: next, truncated };
    }
    if (pos - start > maxBytes) {
      truncated = true;
      current = undefined;
      // Skip to the blank line (if any) so the body is still found, without keeping what is read.
      pos = next;
      continue;
    }
    if (stop - start > maxBytes) {
      // One huge line: keep what fits, skip the rest.
      stop = start + maxBytes;
      truncated = true;
    }
    const first = buf[pos]!;
    if ((first === 0x20 || first === 0x09) && current) {
      current.parts.push(buf.subarray(pos, stop));
    } else {
      const colon = buf.indexOf(0x3a, pos);
      const nameBytes = colon < 0 || colon >= stop ? undefined : buf.subarray(pos, colon);
      const name = nameBytes ? headerText(nameBytes) : '';
      // A field name is printable ASCII without colon (RFC 5322 §2.2), as Python's feedparser requires.
      if (!/^[!-9;-~]+$/.test(name)) {
        // An mbox "From " separator line before the headers is skipped, as Python does.
        if (pos === start && fields.length === 0 && !current && buf[pos] === 0x46 && headerText(buf.subarray(pos, pos + 5)) === 'From ') {
          pos = next;
          continue;
        }
        // Not a header line: Python's feedparser ends the headers here, the line starts the body.
        flush();
        return { fields, bodyStart: pos, truncated };
      }
      flush();
      current = { name, parts: [buf.subarray(colon + 1, stop)] };
    }
    pos = next;
  }
  flush();
  return { fields, bodyStart: end, truncated };
}

/** A header value with RFC 2047 encoded words decoded (Python's policy=default does the same). */
export function decodeHeaderValue(raw: string): string {
  return raw.includes('=?') ? decodeWords(raw) : raw;
}

/** Value of the first field called `name` (case-insensitive), undefined when absent. */
export function firstField(fields: HeaderField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name.toLowerCase() === lower)?.raw;
}
