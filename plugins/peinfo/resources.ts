import { DIR, type PeImage } from './pe-image.js';

export interface ResourceLeaf {
  /** Type: the RT_* name for a standard numeric type, else the type's own name or number. */
  type: string;
  type_id: number | null;
  /** The resource's numeric id, or null where it has a name. */
  resource_id: number | null;
  name: string | null;
  language: number;
  sub_language: number;
  codepage: number;
  /** RVA and file offset of the data. */
  address: number;
  offset: number;
  size: number;
  data: Buffer;
}

export interface ResourceLimits {
  maxDepth: number;
  maxEntries: number;
  /** Largest resource extracted, bytes. */
  maxSize: number;
}

const RT_NAMES: Record<number, string> = {
  1: 'RT_CURSOR',
  2: 'RT_BITMAP',
  3: 'RT_ICON',
  4: 'RT_MENU',
  5: 'RT_DIALOG',
  6: 'RT_STRING',
  7: 'RT_FONTDIR',
  8: 'RT_FONT',
  9: 'RT_ACCELERATOR',
  10: 'RT_RCDATA',
  11: 'RT_MESSAGETABLE',
  12: 'RT_GROUP_CURSOR',
  14: 'RT_GROUP_ICON',
  16: 'RT_VERSION',
  17: 'RT_DLGINCLUDE',
  19: 'RT_PLUGPLAY',
  20: 'RT_VXD',
  21: 'RT_ANICURSOR',
  22: 'RT_ANIICON',
  23: 'RT_HTML',
  24: 'RT_MANIFEST',
};

interface Path {
  type: string | number;
  name: string | number;
}

/**
 * Walks the resource tree (type → name → language, deeper levels followed too) to its data
 * entries. A directory reached twice (a cycle), nesting past `maxDepth` and more than
 * `maxEntries` entries in all stop the walk with a warning; the leaves found so far are kept.
 */
export function readResources(pe: PeImage, limits: ResourceLimits, warn: (m: string) => void): ResourceLeaf[] {
  const dir = pe.directory(DIR.RESOURCE);
  if (!dir) return [];
  const base = dir.rva;
  const leaves: ResourceLeaf[] = [];
  const visited = new Set<number>();
  let entries = 0;
  let stopped = false;
  const stop = (message: string) => {
    if (!stopped) warn(message);
    stopped = true;
  };

  const nameAt = (offset: number): string | undefined => {
    const len = pe.u16At(base + offset);
    if (len === undefined) return undefined;
    const b = pe.bytesAt(base + offset + 2, len * 2);
    return b?.toString('utf16le');
  };

  // An explicit stack, not recursion: a 10,000-deep tree must not exhaust the JavaScript stack.
  const stack: { offset: number; depth: number; path: (string | number)[] }[] = [{ offset: 0, depth: 0, path: [] }];
  while (stack.length > 0 && !stopped) {
    const { offset, depth, path } = stack.pop()!;
    if (depth > limits.maxDepth) {
      stop(`resource tree deeper than ${limits.maxDepth} levels (max_resource_depth); deeper entries are not read`);
      break;
    }
    if (visited.has(offset)) {
      stop(`resource directory at offset 0x${offset.toString(16)} is reached twice (a cycle); it is read once`);
      continue;
    }
    visited.add(offset);
    const header = pe.bytesAt(base + offset, 16);
    if (!header || header.length < 16) {
      warn(`resource directory at RVA 0x${(base + offset).toString(16)} is outside the data`);
      continue;
    }
    const count = header.readUInt16LE(12) + header.readUInt16LE(14);
    const children: { offset: number; depth: number; path: (string | number)[] }[] = [];
    for (let i = 0; i < count; i++) {
      if (++entries > limits.maxEntries) {
        stop(`more than ${limits.maxEntries} resource entries (max_resource_entries); the rest are not read`);
        break;
      }
      const e = pe.bytesAt(base + offset + 16 + 8 * i, 8);
      if (!e || e.length < 8) {
        warn(`resource directory entry ${i} at RVA 0x${(base + offset).toString(16)} is outside the data`);
        break;
      }
      const nameField = e.readUInt32LE(0);
      const target = e.readUInt32LE(4);
      const id: string | number = nameField & 0x80000000 ? (nameAt(nameField & 0x7fffffff) ?? '') : nameField & 0xffff;
      const childPath = [...path, id];
      if (target & 0x80000000) {
        children.push({ offset: target & 0x7fffffff, depth: depth + 1, path: childPath });
      } else {
        const leaf = readLeaf(pe, base + target, childPath, limits.maxSize, warn);
        if (leaf) leaves.push(leaf);
      }
    }
    // Reversed onto the stack so entries are visited in table order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return leaves;
}

function readLeaf(pe: PeImage, rva: number, path: (string | number)[], maxSize: number, warn: (m: string) => void): ResourceLeaf | undefined {
  const e = pe.bytesAt(rva, 16);
  if (!e || e.length < 16) {
    warn(`resource data entry at RVA 0x${rva.toString(16)} is outside the data`);
    return undefined;
  }
  const address = e.readUInt32LE(0);
  const size = e.readUInt32LE(4);
  const offset = pe.offsetOf(address);
  const p: Path = { type: path[0] ?? 0, name: path[1] ?? 0 };
  const lang = typeof path[2] === 'number' ? path[2] : 0;
  const typeId = typeof p.type === 'number' ? p.type : null;
  let data: Buffer = Buffer.alloc(0);
  if (offset === undefined || offset >= pe.data.length) {
    warn(`resource ${path.join('/')} data at RVA 0x${address.toString(16)} is outside the data`);
  } else if (size > maxSize) {
    warn(`resource ${path.join('/')} is ${size} bytes, more than max_resource_size (${maxSize}); not extracted`);
  } else {
    data = pe.data.subarray(offset, Math.min(offset + size, pe.data.length));
  }
  return {
    type: typeId === null ? String(p.type) : (RT_NAMES[typeId] ?? String(typeId)),
    type_id: typeId,
    resource_id: typeof p.name === 'number' ? p.name : null,
    name: typeof p.name === 'string' ? p.name : null,
    language: lang & 0x3ff,
    sub_language: lang >> 10,
    codepage: e.readUInt32LE(8),
    address,
    offset: offset ?? -1,
    size,
    data,
  };
}
