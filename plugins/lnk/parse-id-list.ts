import type { LnkIdItem } from './lnk-result.js';
import { SHELL_FOLDERS } from './names.js';
import type { Reader } from './reader.js';
import { guidText } from './time-and-ids.js';

/** Bytes from the start of a 0xBEEF0004 extension block to its long name, by block version. */
function longNameOffset(version: number): number {
  let at = 18;
  if (version >= 7) at += 18;
  if (version >= 3) at += 2;
  if (version >= 9) at += 4;
  if (version >= 8) at += 4;
  return at;
}

/** The long (Unicode) name in a file entry's 0xBEEF0004 extension block, when it has one. */
function longName(r: Reader, from: number, end: number): string | null {
  for (let at = from; at + 8 <= end; at += 2) {
    if (r.u32(at + 4, 'shell item extension signature') !== 0xbeef0004) continue;
    const version = r.u16(at + 2, 'shell item extension version');
    const name = at + longNameOffset(version);
    return name < end ? r.utf16z(name, end, 'shell item long name') : null;
  }
  return null;
}

function describe(r: Reader, at: number, size: number): LnkIdItem {
  const end = at + size;
  const type = r.bytes[at + 2] ?? 0;
  const item: LnkIdItem = { class_type: type, kind: 'unknown', name: null, size };
  if (type === 0x1f && size >= 20) {
    const clsid = guidText(r.slice(at + 4, 16, 'root item CLSID'));
    return { ...item, kind: 'root', clsid, name: SHELL_FOLDERS[clsid] ?? null };
  }
  switch (type & 0x70) {
    case 0x20:
      // Only odd class types (0x23, 0x25, 0x29, 0x2f) carry a drive name; 0x2e holds a shell folder instead.
      return { ...item, kind: 'volume', name: type & 1 && size > 3 ? r.ansiz(at + 3, end, 'volume item name') : null };
    case 0x30: {
      if (size < 15) return { ...item, kind: type & 1 ? 'directory' : 'file' };
      const unicode = (type & 0x04) !== 0;
      const name = unicode ? r.utf16z(at + 14, end, 'file item name') : r.ansiz(at + 14, end, 'file item name');
      const nameBytes = unicode ? name.length * 2 + 2 : Buffer.byteLength(name, 'latin1') + 1;
      const after = at + 14 + nameBytes + ((14 + nameBytes) % 2);
      return { ...item, kind: type & 1 ? 'directory' : 'file', name, long_name: longName(r, after, end) };
    }
    case 0x40:
      return { ...item, kind: 'network', name: size > 5 ? r.ansiz(at + 5, end, 'network item name') : null };
    case 0x60:
      if (type === 0x61) return { ...item, kind: 'uri' };
      return item;
    case 0x70:
      return { ...item, kind: 'control_panel' };
    default:
      return item;
  }
}

/**
 * The items of a LinkTargetIDList starting at `offset` (its IDListSize). Returns the items and
 * where the structure ends (by IDListSize, as Windows reads it).
 */
export function parseIdList(r: Reader, offset: number, maxItems: number, problems: string[]): { items: LnkIdItem[]; end: number } {
  const listSize = r.u16(offset, 'IDListSize');
  const start = offset + 2;
  const end = start + listSize;
  if (end > r.size) problems.push(`LinkTargetIDList (${listSize} bytes at offset ${start}) runs past the end of the file`);
  const stop = Math.min(end, r.size);
  const items: LnkIdItem[] = [];
  let at = start;
  while (at + 2 <= stop) {
    const size = r.u16(at, 'ItemIDSize');
    if (size === 0) break;
    if (size < 3 || at + size > stop) {
      problems.push(`shell item ${items.length + 1} at offset ${at} claims ${size} bytes, which do not fit in the LinkTargetIDList`);
      break;
    }
    if (items.length >= maxItems) {
      problems.push(`LinkTargetIDList has more than ${maxItems} items; the rest are not read (limit)`);
      break;
    }
    items.push(describe(r, at, size));
    at += size;
  }
  return { items, end };
}
