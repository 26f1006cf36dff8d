/**
 * A read-only Compound File Binary ([MS-CFB]) reader that bounds everything it does by the size of
 * the file: every sector chain is walked with visit marks (a FAT loop ends the chain and is
 * reported), the directory tree is walked iteratively with a cap on entries and nesting, and a
 * stream never yields more bytes than its chain really holds. npm `cfb` 1.2.2 is not used to read:
 * its chain walker for large streams (`get_sector_list`) has no loop check and its path builder
 * can cycle on a directory loop, so one hostile file could hang the worker.
 */

const SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const END_OF_CHAIN = 0xfffffffe;
const FREE_SECT = 0xffffffff;
const NO_STREAM = 0xffffffff;
const HEADER_DIFAT_ENTRIES = 109;

export const ENTRY_STORAGE = 1;
export const ENTRY_STREAM = 2;
export const ENTRY_ROOT = 5;

export interface CfbEntry {
  id: number;
  name: string;
  type: number;
  clsid: string;
  /** The CLSID's 16 bytes as stored. */
  clsidBytes: Uint8Array;
  start: number;
  size: number;
  /** Storages only: their children, in directory order. */
  children: CfbEntry[];
  depth: number;
}

export interface CfbLimits {
  /** Directory entries read at most. */
  maxEntries: number;
  /** Storages nested deeper than this are not read. */
  maxDepth: number;
  /** A stream larger than this is not read. */
  maxStreamSize: number;
}

export class CfbError extends Error {}

export class CfbReader {
  readonly problems: string[] = [];
  readonly root: CfbEntry;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #sectorSize: number;
  readonly #miniCutoff: number;
  readonly #fat: Uint32Array;
  #miniFat: Uint32Array | undefined;
  #miniStream: Uint8Array | undefined;
  readonly #firstMiniFat: number;
  readonly #limits: CfbLimits;
  /** Per allocation table, the walk that last visited each sector: one array, not one per chain. */
  readonly #marks = new Map<Uint32Array, Uint32Array>();
  #walk = 0;

  /** Throws CfbError when the header is not a compound file's; later damage becomes `problems`. */
  constructor(bytes: Uint8Array, limits: CfbLimits) {
    this.#bytes = bytes;
    this.#limits = limits;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 512 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new CfbError('not a compound file (no OLE2 signature)');
    const major = this.#u16(0x1a);
    const shift = this.#u16(0x1e);
    if (!((major === 3 && shift === 9) || (major === 4 && shift === 12))) {
      throw new CfbError(`unsupported compound file version ${major} with sector shift ${shift}`);
    }
    if (this.#u16(0x20) !== 6) this.problems.push(`mini sector shift ${this.#u16(0x20)}, expected 6`);
    this.#sectorSize = 1 << shift;
    // Writers pad the last sector; a partial one means the file was cut (perhaps only in padding).
    if (bytes.length % this.#sectorSize !== 0) {
      this.problems.push(`file is ${bytes.length} bytes, not a whole number of ${this.#sectorSize}-byte sectors (cut short?)`);
    }
    this.#miniCutoff = this.#u32(0x38);
    if (this.#miniCutoff !== 4096) this.problems.push(`mini stream cutoff ${this.#miniCutoff}, expected 4096`);
    this.#firstMiniFat = this.#u32(0x3c);
    this.#fat = this.#readFat(this.#u32(0x2c), this.#u32(0x44), this.#u32(0x48));
    this.root = this.#readDirectory(this.#u32(0x30));
  }

  get sectorCount(): number {
    return Math.max(0, Math.ceil(this.#bytes.length / this.#sectorSize) - 1);
  }

  /** Entries directly under `storage` with this name (names compare case-insensitively, as in CFB). */
  child(storage: CfbEntry, name: string): CfbEntry | undefined {
    const wanted = name.toUpperCase();
    return storage.children.find((c) => c.name.toUpperCase() === wanted);
  }

  /** A stream's bytes, or undefined (with a problem recorded) when it cannot be read in full. */
  read(entry: CfbEntry): Uint8Array | undefined {
    if (entry.size > this.#limits.maxStreamSize) {
      this.problems.push(`stream ${entry.name} declares ${entry.size} bytes, more than max_stream_size (${this.#limits.maxStreamSize}); not read`);
      return undefined;
    }
    const data = entry.size < this.#miniCutoff ? this.#readMini(entry) : this.#readChain(entry.start, entry.size, `stream ${entry.name}`);
    if (data.length < entry.size) {
      this.problems.push(`stream ${entry.name} declares ${entry.size} bytes but its sector chain holds ${data.length}`);
    }
    return data;
  }

  #u16(offset: number): number {
    return this.#view.getUint16(offset, true);
  }

  #u32(offset: number): number {
    return this.#view.getUint32(offset, true);
  }

  #sectorOffset(sector: number): number | undefined {
    // The last sector may be cut short; reads clip to the file's end.
    return sector < this.sectorCount ? (sector + 1) * this.#sectorSize : undefined;
  }

  #readFat(fatSectors: number, firstDifat: number, difatSectors: number): Uint32Array {
    const maxSectors = this.sectorCount;
    const sectors: number[] = [];
    for (let i = 0; i < HEADER_DIFAT_ENTRIES && sectors.length < fatSectors; i++) {
      const s = this.#u32(0x4c + i * 4);
      if (s === FREE_SECT || s === END_OF_CHAIN) break;
      sectors.push(s);
    }
    const perDifat = this.#sectorSize / 4 - 1;
    const seen = new Set<number>();
    let next = firstDifat;
    for (let n = 0; n < difatSectors && sectors.length < fatSectors; n++) {
      if (next === END_OF_CHAIN || next === FREE_SECT) break;
      const offset = this.#sectorOffset(next);
      if (offset === undefined || seen.has(next)) {
        this.problems.push(offset === undefined ? `DIFAT sector ${next} lies past the end of the file` : `DIFAT chain loops at sector ${next}`);
        break;
      }
      seen.add(next);
      for (let i = 0; i < perDifat && sectors.length < fatSectors; i++) {
        const s = this.#u32(offset + i * 4);
        if (s !== FREE_SECT && s !== END_OF_CHAIN) sectors.push(s);
      }
      next = this.#u32(offset + perDifat * 4);
    }
    if (sectors.length < fatSectors) this.problems.push(`header declares ${fatSectors} FAT sectors, ${sectors.length} found`);
    // A FAT larger than the file can address is a lie; entries past the file would be useless.
    const usable = sectors.slice(0, Math.ceil(maxSectors / (this.#sectorSize / 4)) + 1);
    const fat = new Uint32Array(usable.length * (this.#sectorSize / 4)).fill(FREE_SECT);
    usable.forEach((s, i) => {
      const offset = this.#sectorOffset(s);
      if (offset === undefined) {
        this.problems.push(`FAT sector ${s} lies past the end of the file`);
        return;
      }
      const end = Math.min(offset + this.#sectorSize, this.#bytes.length);
      for (let o = offset, j = i * (this.#sectorSize / 4); o + 4 <= end; o += 4, j++) fat[j] = this.#u32(o);
    });
    return fat;
  }

  /** Sector numbers of a chain; stops (with a problem) at a loop, a bad link or `maxSectors`. */
  #chain(start: number, fat: Uint32Array, limit: number, what: string): number[] {
    const out: number[] = [];
    let marks = this.#marks.get(fat);
    if (!marks) {
      marks = new Uint32Array(fat.length);
      this.#marks.set(fat, marks);
    }
    const walk = ++this.#walk;
    let s = start;
    while (s !== END_OF_CHAIN && out.length < limit) {
      if (s >= fat.length) {
        this.problems.push(`${what}: sector chain points to ${s === FREE_SECT ? 'a free sector' : `sector ${s}`}, outside the allocation table`);
        break;
      }
      if (marks[s] === walk) {
        this.problems.push(`${what}: sector chain loops back to sector ${s} (FAT loop)`);
        break;
      }
      marks[s] = walk;
      out.push(s);
      s = fat[s]!;
    }
    return out;
  }

  /** Up to `size` bytes (or the whole chain when size is undefined) of a regular-sector chain. */
  #readChain(start: number, size: number | undefined, what: string): Uint8Array {
    const limit = size === undefined ? this.sectorCount : Math.ceil(size / this.#sectorSize);
    const sectors = this.#chain(start, this.#fat, limit, what);
    const out = new Uint8Array(Math.min(size ?? Number.MAX_SAFE_INTEGER, sectors.length * this.#sectorSize));
    let at = 0;
    for (const s of sectors) {
      const offset = this.#sectorOffset(s);
      if (offset === undefined) {
        this.problems.push(`${what}: sector ${s} lies past the end of the file`);
        break;
      }
      const piece = this.#bytes.subarray(offset, Math.min(offset + this.#sectorSize, this.#bytes.length, offset + out.length - at));
      out.set(piece, at);
      at += piece.length;
      if (piece.length < this.#sectorSize) break;
    }
    return out.subarray(0, at);
  }

  #readMini(entry: CfbEntry): Uint8Array {
    if (this.#miniFat === undefined) {
      const raw = this.#readChain(this.#firstMiniFat, undefined, 'mini FAT');
      this.#miniFat = new Uint32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + (raw.length & ~3)));
      this.#miniStream = this.#readChain(this.root.start, this.root.size, 'mini stream');
    }
    const stream = this.#miniStream!;
    const sectors = this.#chain(entry.start, this.#miniFat, Math.ceil(entry.size / 64), `stream ${entry.name}`);
    const out = new Uint8Array(Math.min(entry.size, sectors.length * 64));
    let at = 0;
    for (const s of sectors) {
      const piece = stream.subarray(s * 64, Math.min(s * 64 + 64, stream.length, s * 64 + out.length - at));
      if (piece.length === 0) {
        this.problems.push(`stream ${entry.name}: mini sector ${s} lies past the end of the mini stream`);
        break;
      }
      out.set(piece, at);
      at += piece.length;
    }
    return out.subarray(0, at);
  }

  #readDirectory(firstSector: number): CfbEntry {
    const raw = this.#readChain(firstSector, undefined, 'directory');
    const count = Math.floor(raw.length / 128);
    if (count === 0) throw new CfbError('the directory is empty or unreadable');
    if (count > this.#limits.maxEntries) this.problems.push(`directory has ${count} entries; only the first ${this.#limits.maxEntries} read`);
    const n = Math.min(count, this.#limits.maxEntries);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const left = new Uint32Array(n);
    const right = new Uint32Array(n);
    const child = new Uint32Array(n);
    const entries: CfbEntry[] = [];
    const utf16 = new TextDecoder('utf-16le');
    for (let i = 0; i < n; i++) {
      const o = i * 128;
      const nameBytes = Math.min(view.getUint16(o + 64, true), 64);
      const name = utf16.decode(raw.subarray(o, o + Math.max(0, nameBytes - 2)));
      left[i] = view.getUint32(o + 68, true);
      right[i] = view.getUint32(o + 72, true);
      child[i] = view.getUint32(o + 76, true);
      entries.push({
        id: i,
        name,
        type: raw[o + 66]!,
        clsid: guid(raw.subarray(o + 80, o + 96)),
        clsidBytes: raw.slice(o + 80, o + 96),
        start: view.getUint32(o + 116, true),
        // Version 3 files may carry garbage in the size's high half ([MS-CFB] 2.6.3); only the low half counts.
        size: view.getUint32(o + 120, true),
        children: [],
        depth: 0,
      });
    }
    const root = entries[0]!;
    if (root.type !== ENTRY_ROOT) this.problems.push(`first directory entry has type ${root.type}, not a root storage`);
    const claimed = new Uint8Array(n);
    claimed[0] = 1;
    const storages: CfbEntry[] = [root];
    let tooDeep = 0;
    while (storages.length > 0) {
      const storage = storages.pop()!;
      // The children of a storage form a tree of left/right siblings under its child pointer.
      const pending = [child[storage.id]!];
      while (pending.length > 0) {
        const id = pending.pop()!;
        if (id === NO_STREAM) continue;
        if (id >= n) {
          if (id < count) continue; // beyond maxEntries, already reported
          this.problems.push(`directory entry ${storage.id} links to entry ${id}, past the directory's ${count} entries`);
          continue;
        }
        if (claimed[id]) {
          this.problems.push(`directory entry ${id} is linked twice (directory loop); ignored the second time`);
          continue;
        }
        claimed[id] = 1;
        const entry = entries[id]!;
        pending.push(right[id]!, left[id]!);
        if (entry.type !== ENTRY_STORAGE && entry.type !== ENTRY_STREAM) continue;
        entry.depth = storage.depth + 1;
        if (entry.type === ENTRY_STORAGE && entry.depth > this.#limits.maxDepth) {
          tooDeep++;
          continue;
        }
        storage.children.push(entry);
        if (entry.type === ENTRY_STORAGE) storages.push(entry);
      }
      // Sibling trees are ordered by name length then name; entry order gives a stable listing instead.
      storage.children.sort((a, b) => a.id - b.id);
    }
    if (tooDeep > 0) this.problems.push(`${tooDeep} storage(s) nested deeper than max_storage_depth (${this.#limits.maxDepth}) not read`);
    return root;
  }
}

function guid(b: Uint8Array): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = Array.from(b.subarray(from, to), (x) => x.toString(16).padStart(2, '0'));
    return (reverse ? part.reverse() : part).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}
