/**
 * A cheap walk over an OLE2 (MS-CFB) file's allocation tables before cfb reads it. cfb 1.2.2
 * follows some sector chains without looking for loops (a stream starting inside another chain,
 * mini FAT chains), which on a hostile file never ends or exhausts memory; a file whose FAT or
 * mini FAT has a cycle, or whose directory is too large, is refused here with a named problem.
 */

const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const MAX_REGULAR_SECT = 0xfffffffa;
const DIR_ENTRY_SIZE = 128;
const MINI_STREAM_CUTOFF = 4096;

export function isOle(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && OLE_MAGIC.every((b, i) => bytes[i] === b);
}

/** Undefined when cfb can be let at the file; otherwise why not. */
export function oleProblem(bytes: Uint8Array, maxEntries: number): string | undefined {
  if (bytes.length < 512) return `file of ${bytes.length} bytes is shorter than the 512-byte OLE header`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (off: number) => view.getUint32(off, true);
  const shift = view.getUint16(0x1e, true);
  if (shift !== 9 && shift !== 12) return `sector shift ${shift} is neither 9 nor 12`;
  const ssz = 1 << shift;
  const sectorCount = Math.ceil((bytes.length - ssz) / ssz);
  const sectorAt = (n: number) => ssz + n * ssz;
  const valid = (n: number) => n <= MAX_REGULAR_SECT && n < sectorCount;

  // DIFAT: 109 entries in the header, then a chain of DIFAT sectors (last entry = next).
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) {
    const s = u32(0x4c + i * 4);
    if (valid(s)) fatSectors.push(s);
  }
  const seenDifat = new Set<number>();
  for (let s = u32(0x44), left = u32(0x48); valid(s) && left > 0; left--) {
    if (seenDifat.has(s)) return 'the DIFAT chain loops';
    seenDifat.add(s);
    const base = sectorAt(s);
    const per = ssz / 4 - 1;
    for (let i = 0; i < per && base + i * 4 + 4 <= bytes.length; i++) {
      const f = u32(base + i * 4);
      if (valid(f)) fatSectors.push(f);
    }
    s = base + ssz <= bytes.length ? u32(base + ssz - 4) : 0xfffffffe;
  }
  const perSector = ssz / 4;
  const fat = new Uint32Array(fatSectors.length * perSector).fill(0xffffffff);
  fatSectors.forEach((fs, k) => {
    const base = sectorAt(fs);
    for (let i = 0; i < perSector && base + i * 4 + 4 <= bytes.length; i++) fat[k * perSector + i] = u32(base + i * 4);
  });
  const fatLoop = findLoop(fat, Math.min(fat.length, sectorCount));
  if (fatLoop !== undefined) return `the FAT chain through sector ${fatLoop} loops`;

  const chain = (start: number): number[] => {
    const out: number[] = [];
    for (let s = start; valid(s) && s < fat.length && out.length <= sectorCount; s = fat[s]!) out.push(s);
    return out;
  };
  const dirSectors = chain(u32(0x30));
  const entries = (dirSectors.length * ssz) / DIR_ENTRY_SIZE;
  if (entries > maxEntries) return `the directory holds ${entries} entries, more than max_ole_entries (${maxEntries})`;

  // Mini FAT: its own chain of sectors, whose entries link 64-byte mini sectors.
  const miniFatSectors = chain(u32(0x3c));
  const miniFat = new Uint32Array(miniFatSectors.length * perSector).fill(0xffffffff);
  miniFatSectors.forEach((ms, k) => {
    const base = sectorAt(ms);
    for (let i = 0; i < perSector && base + i * 4 + 4 <= bytes.length; i++) miniFat[k * perSector + i] = u32(base + i * 4);
  });
  const miniLoop = findLoop(miniFat, miniFat.length);
  if (miniLoop !== undefined) return `the mini FAT chain through mini sector ${miniLoop} loops`;

  // cfb copies each big stream's whole chain from its start sector; streams starting inside one
  // long shared chain would make that quadratic.
  const lengthFrom = chainLengths(fat, Math.min(fat.length, sectorCount));
  let copied = 0;
  for (const ds of dirSectors) {
    for (let off = sectorAt(ds); off + DIR_ENTRY_SIZE <= Math.min(sectorAt(ds) + ssz, bytes.length); off += DIR_ENTRY_SIZE) {
      const type = bytes[off + 0x42];
      const start = u32(off + 0x74);
      const size = u32(off + 0x78);
      if (type === 2 && size >= MINI_STREAM_CUTOFF && start < lengthFrom.length) copied += lengthFrom[start]!;
    }
  }
  if (copied > 4 * sectorCount + 16) return `streams claim ${copied} sectors in a file of ${sectorCount}: chains are shared`;
  return undefined;
}

/** A node on a cycle of the "next" table, if any (entries ≥ limit end a chain). */
function findLoop(next: Uint32Array, limit: number): number | undefined {
  const state = new Uint8Array(limit); // 0 new, 1 on the current walk, 2 done
  for (let i = 0; i < limit; i++) {
    if (state[i] !== 0) continue;
    const walk: number[] = [];
    let n = i;
    while (n < limit && state[n] === 0) {
      state[n] = 1;
      walk.push(n);
      n = next[n]!;
    }
    if (n < limit && state[n] === 1) return n;
    for (const w of walk) state[w] = 2;
  }
  return undefined;
}

/** Sectors in the chain from each sector to its end (the table has no cycle). */
function chainLengths(next: Uint32Array, limit: number): Uint32Array {
  const length = new Uint32Array(limit);
  for (let i = 0; i < limit; i++) {
    if (length[i] !== 0) continue;
    const walk: number[] = [];
    let n = i;
    while (n < limit && length[n] === 0) {
      walk.push(n);
      n = next[n]!;
    }
    let tail = n < limit ? length[n]! : 0;
    for (let k = walk.length - 1; k >= 0; k--) length[walk[k]!] = ++tail;
  }
  return length;
}
