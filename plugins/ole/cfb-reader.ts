/**
 * A bounded reader of Compound File Binary files ([MS-CFB]). Written here instead of using the
 * `cfb` package's parser because that one follows a big stream's FAT chain without remembering
 * where it has been (a FAT loop hangs it while memory grows), recurses once per DIFAT sector (a
 * DIFAT loop with a huge declared count overflows the stack) and reads every stream eagerly.
 * Here every chain is followed at most once per sector, every count is checked against the file's
 * size, and streams are read only when asked for, up to a byte budget.
 */

const SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const MAX_REG_SECT = 0xfffffffa;
const END_OF_CHAIN = 0xfffffffe;
const FREE_SECT = 0xffffffff;
const NO_STREAM = 0xffffffff;
const MINI_SECTOR_SIZE = 64;
const DIR_ENTRY_SIZE = 128;

export type EntryType = 'root' | 'storage' | 'stream';

export interface CfbEntry {
  /** Position in the directory (the directory entry's number, as olecfexport's file names use). */
  sid: number;
  name: string;
  /** Storage names and the entry's name joined with '/', without the root. */
  path: string;
  type: EntryType;
  size: number;
  start: number;
  clsid: string | null;
  created: string | null;
  modified: string | null;
  state_bits: number;
}

export interface CfbLimits {
  /** Directory entries read at most. */
  maxEntries: number;
  /** Storages nested at most. */
  maxDepth: number;
}

export interface CfbHeader {
  major_version: number;
  minor_version: number;
  sector_size: number;
  fat_sectors: number;
  directory_start: number;
  mini_fat_sectors: number;
  difat_sectors: number;
}

export class CfbFile {
  readonly header: CfbHeader;
  /** Reachable entries, depth first, each storage's children sorted by name. */
  readonly entries: CfbEntry[] = [];
  readonly problems: string[] = [];
  readonly root: CfbEntry | null = null;

  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #sectorSize: number;
  readonly #sectorCount: number;
  #fat: Uint32Array = new Uint32Array(0);
  #miniFat: Uint32Array | null = null;
  #miniStream: Uint8Array | null = null;
  /** Visit stamps per sector, so each chain walk notices a sector seen twice (a loop) in O(1). */
  #seen: Uint32Array;
  #stamp = 0;

  private constructor(bytes: Uint8Array, header: CfbHeader) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.header = header;
    this.#sectorSize = header.sector_size;
    this.#sectorCount = Math.ceil(Math.max(0, bytes.length - this.#sectorSize) / this.#sectorSize);
    this.#seen = new Uint32Array(this.#sectorCount);
  }

  static isCfb(bytes: Uint8Array): boolean {
    return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
  }

  /** Parses the header, FAT and directory; throws only when not even a header is there. */
  static open(bytes: Uint8Array, limits: CfbLimits): CfbFile {
    if (!CfbFile.isCfb(bytes)) throw new Error('no OLE2 signature (D0CF11E0A1B11AE1) at offset 0');
    if (bytes.length < 512) throw new Error(`${bytes.length} bytes, shorter than the 512-byte header`);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const major = v.getUint16(0x1a, true);
    const shift = v.getUint16(0x1e, true);
    const problems: string[] = [];
    let sectorSize = 1 << shift;
    if (shift !== 9 && shift !== 12) {
      sectorSize = major === 4 ? 4096 : 512;
      problems.push(`sector shift ${shift} is neither 9 nor 12; using ${sectorSize}-byte sectors as version ${major} implies`);
    }
    const header: CfbHeader = {
      major_version: major,
      minor_version: v.getUint16(0x18, true),
      sector_size: sectorSize,
      fat_sectors: v.getUint32(0x2c, true),
      directory_start: v.getUint32(0x30, true),
      mini_fat_sectors: v.getUint32(0x40, true),
      difat_sectors: v.getUint32(0x48, true),
    };
    const file = new CfbFile(bytes, header);
    file.problems.push(...problems);
    file.#readFat(v.getUint32(0x44, true));
    (file as { root: CfbEntry | null }).root = file.#readDirectory(limits);
    return file;
  }

  #sectorOffset(sector: number): number {
    return (sector + 1) * this.#sectorSize;
  }

  #u32(offset: number): number {
    return offset + 4 <= this.#bytes.length ? this.#view.getUint32(offset, true) : FREE_SECT;
  }

  #readFat(difatStart: number): void {
    const perSector = this.#sectorSize / 4;
    const declared = this.header.fat_sectors;
    // No FAT can need more sectors than the file has, whatever the header says (the 109 in the
    // header are read in any case, so a DIFAT chain is still followed, and its loops noticed).
    const wanted = Math.min(declared, this.#sectorCount + 109);
    if (declared > this.#sectorCount) this.problems.push(`header declares ${declared} FAT sectors, the file has only ${this.#sectorCount} sectors`);
    const fatSectors: number[] = [];
    for (let i = 0; i < 109 && fatSectors.length < wanted; i++) fatSectors.push(this.#u32(0x4c + i * 4));
    let difat = difatStart;
    const stamp = ++this.#stamp;
    let difatRead = 0;
    while (fatSectors.length < wanted && difat <= MAX_REG_SECT) {
      if (difat >= this.#sectorCount) {
        this.problems.push(`DIFAT sector ${difat} is past the end of the file`);
        break;
      }
      if (this.#seen[difat] === stamp) {
        this.problems.push(`DIFAT chain loops back to sector ${difat}`);
        break;
      }
      this.#seen[difat] = stamp;
      const base = this.#sectorOffset(difat);
      for (let i = 0; i < perSector - 1 && fatSectors.length < wanted; i++) fatSectors.push(this.#u32(base + i * 4));
      difat = this.#u32(base + this.#sectorSize - 4);
      difatRead++;
    }
    if (fatSectors.length < wanted) this.problems.push(`found ${fatSectors.length} of ${declared} FAT sectors (${difatRead} DIFAT sectors read)`);
    // FAT entries beyond the file's sectors describe nothing that can be read.
    const entries = Math.min(fatSectors.length * perSector, this.#sectorCount);
    this.#fat = new Uint32Array(entries).fill(FREE_SECT);
    for (const [n, sector] of fatSectors.entries()) {
      if (sector >= this.#sectorCount) {
        if (sector <= MAX_REG_SECT) this.problems.push(`FAT sector ${sector} is past the end of the file`);
        continue;
      }
      const base = this.#sectorOffset(sector);
      for (let i = 0; i < perSector && n * perSector + i < entries; i++) this.#fat[n * perSector + i] = this.#u32(base + i * 4);
    }
  }

  /**
   * The sectors of the chain starting at `start`, at most `max` of them. A loop, a sector past the
   * end or a free sector in the middle end the chain with a problem naming `what`.
   */
  #chain(start: number, max: number, fat: Uint32Array, limit: number, what: string, seen: Uint32Array): number[] {
    const sectors: number[] = [];
    const stamp = ++this.#stamp;
    let s = start;
    while (sectors.length < max) {
      if (s === END_OF_CHAIN) break;
      if (s >= limit) {
        this.problems.push(s <= MAX_REG_SECT ? `${what}: sector ${s} is past the end of the file` : `${what}: chain broken by marker 0x${s.toString(16)}`);
        break;
      }
      if (seen[s] === stamp) {
        this.problems.push(`${what}: sector chain loops back to sector ${s}`);
        break;
      }
      seen[s] = stamp;
      sectors.push(s);
      s = s < fat.length ? fat[s]! : FREE_SECT;
    }
    return sectors;
  }

  #readChain(start: number, maxBytes: number, what: string): Uint8Array {
    const maxSectors = Math.ceil(maxBytes / this.#sectorSize);
    const sectors = this.#chain(start, maxSectors, this.#fat, this.#sectorCount, what, this.#seen);
    const out = new Uint8Array(Math.min(maxBytes, sectors.length * this.#sectorSize));
    for (const [i, s] of sectors.entries()) {
      const from = this.#sectorOffset(s);
      const piece = this.#bytes.subarray(from, Math.min(from + this.#sectorSize, this.#bytes.length));
      const at = i * this.#sectorSize;
      out.set(piece.subarray(0, Math.max(0, Math.min(piece.length, out.length - at))), at);
    }
    return out;
  }

  #readDirectory(limits: CfbLimits): CfbEntry | null {
    const start = this.header.directory_start;
    const dir = this.#readChain(start, limits.maxEntries * DIR_ENTRY_SIZE, 'directory');
    const count = Math.floor(dir.length / DIR_ENTRY_SIZE);
    if (count === 0) {
      this.problems.push('no directory entries');
      return null;
    }
    const dv = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
    const raw = (sid: number) => readEntry(dir, dv, sid * DIR_ENTRY_SIZE, this.header.major_version);
    const root = raw(0);
    if (root.type !== 5) this.problems.push(`directory entry 0 has type ${root.type}, not a root storage`);
    const rootEntry: CfbEntry = {
      sid: 0,
      name: root.name,
      path: '',
      type: 'root',
      size: root.size,
      start: root.start,
      clsid: root.clsid,
      created: root.created,
      modified: root.modified,
      state_bits: root.state,
    };
    const visited = new Uint8Array(count);
    visited[0] = 1;
    const walk = (child: number, parent: string, depth: number) => {
      if (depth > limits.maxDepth) {
        this.problems.push(`storages nested deeper than ${limits.maxDepth} under ${parent || 'the root'}; not listed`);
        return;
      }
      const stack: number[] = [];
      let node = child;
      const ordered: number[] = [];
      // In-order walk of the red-black tree of siblings.
      while (stack.length > 0 || node !== NO_STREAM) {
        while (node !== NO_STREAM) {
          if (node >= count) {
            this.problems.push(`directory entry ${node} is past the end of the directory`);
            node = NO_STREAM;
            break;
          }
          if (visited[node]) {
            this.problems.push(`directory tree loops back to entry ${node}`);
            node = NO_STREAM;
            break;
          }
          visited[node] = 1;
          stack.push(node);
          node = raw(node).left;
        }
        const top = stack.pop();
        if (top === undefined) break;
        ordered.push(top);
        node = raw(top).right;
      }
      // Listed in code-unit order of names (as olefile's listdir, whose order upstream's indices follow).
      const children = ordered.map((sid) => ({ sid, e: raw(sid) })).sort((a, b) => (a.e.name < b.e.name ? -1 : a.e.name > b.e.name ? 1 : a.sid - b.sid));
      for (const { sid, e } of children) {
        if (e.type !== 1 && e.type !== 2) {
          this.problems.push(`directory entry ${sid} (${JSON.stringify(e.name)}) has type ${e.type}`);
          continue;
        }
        const path = parent ? `${parent}/${e.name}` : e.name;
        this.entries.push({
          sid,
          name: e.name,
          path,
          type: e.type === 1 ? 'storage' : 'stream',
          size: e.type === 2 ? e.size : 0,
          start: e.start,
          clsid: e.clsid,
          created: e.created,
          modified: e.modified,
          state_bits: e.state,
        });
        if (e.type === 1) walk(e.child, path, depth + 1);
      }
    };
    walk(root.child, '', 1);
    return rootEntry;
  }

  /** The bytes of a stream, at most `maxBytes`; `short` when its sectors hold less than its size. */
  read(entry: CfbEntry, maxBytes: number): { data: Uint8Array; short: boolean } {
    const want = Math.min(entry.size, maxBytes);
    const label = `stream ${JSON.stringify(entry.path)}`;
    let data: Uint8Array;
    if (entry.size < this.#miniCutoff()) data = this.#readMini(entry.start, want, label);
    else data = this.#readChain(entry.start, want, label);
    return { data, short: data.length < want };
  }

  #miniCutoff(): number {
    return this.#view.getUint32(0x38, true) || 4096;
  }

  #readMini(start: number, want: number, label: string): Uint8Array {
    if (want === 0) return new Uint8Array(0);
    if (!this.#miniStream) {
      const root = this.root;
      this.#miniStream = root ? this.#readChain(root.start, Math.min(root.size, this.#sectorCount * this.#sectorSize), 'mini stream') : new Uint8Array(0);
      const fatBytes = this.#readChain(
        this.#view.getUint32(0x3c, true),
        Math.min(this.header.mini_fat_sectors, this.#sectorCount) * this.#sectorSize,
        'mini FAT',
      );
      this.#miniFat = new Uint32Array(fatBytes.buffer, fatBytes.byteOffset, Math.floor(fatBytes.length / 4));
    }
    const mini = this.#miniStream;
    const limit = Math.floor(mini.length / MINI_SECTOR_SIZE);
    const seen = new Uint32Array(limit);
    const sectors = this.#chain(start, Math.ceil(want / MINI_SECTOR_SIZE), this.#miniFat!, limit, `${label} (mini stream)`, seen);
    const out = new Uint8Array(Math.min(want, sectors.length * MINI_SECTOR_SIZE));
    for (const [i, s] of sectors.entries()) {
      const at = i * MINI_SECTOR_SIZE;
      out.set(mini.subarray(s * MINI_SECTOR_SIZE, s * MINI_SECTOR_SIZE + Math.min(MINI_SECTOR_SIZE, out.length - at)), at);
    }
    return out;
  }
}

interface RawEntry {
  name: string;
  type: number;
  left: number;
  right: number;
  child: number;
  clsid: string | null;
  state: number;
  created: string | null;
  modified: string | null;
  start: number;
  size: number;
}

function readEntry(dir: Uint8Array, dv: DataView, at: number, major: number): RawEntry {
  const nameBytes = Math.min(64, dv.getUint16(at + 64, true));
  let name = '';
  for (let i = 0; i + 1 < nameBytes; i += 2) {
    const c = dv.getUint16(at + i, true);
    if (c === 0) break;
    name += String.fromCharCode(c);
  }
  const low = dv.getUint32(at + 120, true);
  const high = dv.getUint32(at + 124, true);
  // Version 3 files may carry garbage in the high half of the size ([MS-CFB] 2.6.1); it is ignored.
  const size = major === 4 ? high * 2 ** 32 + low : low;
  return {
    name,
    type: dir[at + 66]!,
    left: dv.getUint32(at + 68, true),
    right: dv.getUint32(at + 72, true),
    child: dv.getUint32(at + 76, true),
    clsid: readClsid(dir, at + 80),
    state: dv.getUint32(at + 96, true),
    created: fileTime(dv, at + 100),
    modified: fileTime(dv, at + 108),
    start: dv.getUint32(at + 116, true),
    size,
  };
}

/** A GUID in its registry form (upper case), or null when all zero. */
export function readClsid(bytes: Uint8Array, at: number): string | null {
  if (at + 16 > bytes.length) return null;
  const b = bytes.subarray(at, at + 16);
  if (b.every((x) => x === 0)) return null;
  const hex = (i: number) => b[i]!.toString(16).padStart(2, '0');
  const part = (idx: number[]) => idx.map(hex).join('');
  return `${part([3, 2, 1, 0])}-${part([5, 4])}-${part([7, 6])}-${part([8, 9])}-${part([10, 11, 12, 13, 14, 15])}`.toUpperCase();
}

const FILETIME_UNIX_EPOCH = 116444736000000000n;

/** A FILETIME as ISO 8601 with its seven fraction digits, or null when zero. */
export function fileTime(dv: DataView, at: number): string | null {
  if (at + 8 > dv.byteLength) return null;
  const ticks = dv.getBigUint64(at, true);
  return ticks === 0n ? null : fileTimeIso(ticks);
}

export function fileTimeIso(ticks: bigint): string {
  const since = ticks - FILETIME_UNIX_EPOCH;
  const ms = since / 10000n - (since % 10000n < 0n ? 1n : 0n);
  const frac = ((ticks % 10_000_000n) + 10_000_000n) % 10_000_000n;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return `FILETIME ${ticks}`;
  return `${date.toISOString().slice(0, 19)}.${frac.toString().padStart(7, '0')}Z`;
}
