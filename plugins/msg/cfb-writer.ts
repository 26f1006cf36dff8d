/**
 * A minimal Compound File Binary ([MS-CFB]) writer, version 3 (512-byte sectors), used to write
 * an embedded message or OLE object out as a file of its own. npm `cfb`'s writer (1.2.2) was the
 * first choice, but its cost grows much faster than the number of entries when storages nest
 * (measured: 160 nested storages took 9 s), which a hostile .msg could exploit. This one is linear:
 * entries are numbered once, each storage's children become a balanced binary tree in CFB name
 * order (all nodes black; readers do not check colours), small streams go to the mini stream.
 */

export type CfbNode = { name: string; data: Uint8Array } | { name: string; children: CfbNode[] };

const SECTOR = 512;
const MINI = 64;
const CUTOFF = 4096;
const END_OF_CHAIN = 0xfffffffe;
const FREE = 0xffffffff;
const FAT_SECT = 0xfffffffd;
const DIFAT_SECT = 0xfffffffc;
const NO_STREAM = 0xffffffff;

interface Entry {
  node: CfbNode;
  type: 1 | 2 | 5;
  left: number;
  right: number;
  child: number;
  start: number;
  size: number;
}

/** [MS-CFB] 2.6.4: shorter names first, then by upper-cased UTF-16 code units. */
function compareNames(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `rootClsid`: the root storage's CLSID as 16 bytes in file order (e.g. CLSID_MailMessage for a .msg). */
export function writeCompoundFile(children: CfbNode[], rootClsid?: Uint8Array): Uint8Array {
  const entries: Entry[] = [
    { node: { name: 'Root Entry', children }, type: 5, left: NO_STREAM, right: NO_STREAM, child: NO_STREAM, start: END_OF_CHAIN, size: 0 },
  ];
  const pending = [0];
  while (pending.length > 0) {
    const parent = entries[pending.pop()!]!;
    const kids = (parent.node as { children: CfbNode[] }).children.slice().sort((a, b) => compareNames(a.name, b.name));
    const ids = kids.map((node) => {
      entries.push({ node, type: 'data' in node ? 2 : 1, left: NO_STREAM, right: NO_STREAM, child: NO_STREAM, start: END_OF_CHAIN, size: 0 });
      if (!('data' in node)) pending.push(entries.length - 1);
      return entries.length - 1;
    });
    // Balanced: the middle child is the root of the sibling tree; an explicit stack, no recursion.
    const ranges: [number, number, (id: number) => void][] = [[0, ids.length - 1, (id) => (parent.child = id)]];
    while (ranges.length > 0) {
      const [lo, hi, link] = ranges.pop()!;
      if (lo > hi) continue;
      const mid = (lo + hi) >> 1;
      const e = entries[ids[mid]!]!;
      link(ids[mid]!);
      ranges.push([lo, mid - 1, (id) => (e.left = id)], [mid + 1, hi, (id) => (e.right = id)]);
    }
  }

  // Mini stream for small streams, regular sectors for the rest.
  let miniSectors = 0;
  let bigSectors = 0;
  for (const e of entries) {
    if (e.type !== 2) continue;
    const data = (e.node as { data: Uint8Array }).data;
    e.size = data.length;
    if (data.length === 0) continue;
    if (data.length < CUTOFF) {
      e.start = miniSectors;
      miniSectors += Math.ceil(data.length / MINI);
    } else {
      e.start = bigSectors; // relative for now
      bigSectors += Math.ceil(data.length / SECTOR);
    }
  }
  const dirSectors = Math.ceil((entries.length * 128) / SECTOR);
  const miniFatSectors = Math.ceil((miniSectors * 4) / SECTOR);
  const miniStreamSectors = Math.ceil((miniSectors * MINI) / SECTOR);
  const content = dirSectors + miniFatSectors + miniStreamSectors + bigSectors;
  let fatSectors = 1;
  let difatSectors = 0;
  for (;;) {
    difatSectors = fatSectors > 109 ? Math.ceil((fatSectors - 109) / 127) : 0;
    if (fatSectors * 128 >= content + fatSectors + difatSectors) break;
    fatSectors++;
  }
  const total = difatSectors + fatSectors + content;
  const firstFat = difatSectors;
  const firstDir = firstFat + fatSectors;
  const firstMiniFat = firstDir + dirSectors;
  const firstMiniStream = firstMiniFat + miniFatSectors;
  const firstBig = firstMiniStream + miniStreamSectors;

  const out = new Uint8Array((total + 1) * SECTOR);
  const view = new DataView(out.buffer);
  const at = (sector: number) => (sector + 1) * SECTOR;

  const fat = new Uint32Array(fatSectors * 128).fill(FREE);
  const chain = (first: number, count: number) => {
    for (let i = 0; i < count; i++) fat[first + i] = i === count - 1 ? END_OF_CHAIN : first + i + 1;
  };
  for (let i = 0; i < difatSectors; i++) fat[i] = DIFAT_SECT;
  for (let i = 0; i < fatSectors; i++) fat[firstFat + i] = FAT_SECT;
  chain(firstDir, dirSectors);
  chain(firstMiniFat, miniFatSectors);
  chain(firstMiniStream, miniStreamSectors);

  const miniFat = new Uint32Array(miniFatSectors * 128).fill(FREE);
  for (const e of entries) {
    if (e.type !== 2 || e.size === 0) continue;
    const data = (e.node as { data: Uint8Array }).data;
    if (e.size < CUTOFF) {
      const n = Math.ceil(e.size / MINI);
      for (let i = 0; i < n; i++) miniFat[e.start + i] = i === n - 1 ? END_OF_CHAIN : e.start + i + 1;
      out.set(data, at(firstMiniStream) + e.start * MINI);
    } else {
      e.start += firstBig;
      chain(e.start, Math.ceil(e.size / SECTOR));
      out.set(data, at(e.start));
    }
  }
  entries[0]!.start = miniSectors > 0 ? firstMiniStream : END_OF_CHAIN;
  entries[0]!.size = miniSectors * MINI;

  // The mini stream's sectors are contiguous, so its bytes were written in place above.
  for (let i = 0; i < fat.length; i++) view.setUint32(at(firstFat) + i * 4, fat[i]!, true);
  for (let i = 0; i < miniFat.length; i++) view.setUint32(at(firstMiniFat) + i * 4, miniFat[i]!, true);
  entries.forEach((e, i) => {
    const o = at(firstDir) + i * 128;
    const name = e.node.name.slice(0, 31);
    for (let c = 0; c < name.length; c++) view.setUint16(o + c * 2, name.charCodeAt(c), true);
    view.setUint16(o + 64, (name.length + 1) * 2, true);
    out[o + 66] = e.type;
    out[o + 67] = 1; // black
    view.setUint32(o + 68, e.left, true);
    view.setUint32(o + 72, e.right, true);
    view.setUint32(o + 76, e.child, true);
    view.setUint32(o + 116, e.type === 1 ? 0 : e.start, true);
    view.setUint32(o + 120, e.size, true);
  });
  if (rootClsid) out.set(rootClsid.subarray(0, 16), at(firstDir) + 80);
  for (let i = entries.length; i < dirSectors * 4; i++) {
    const o = at(firstDir) + i * 128;
    view.setUint32(o + 68, NO_STREAM, true);
    view.setUint32(o + 72, NO_STREAM, true);
    view.setUint32(o + 76, NO_STREAM, true);
  }

  // Header ([MS-CFB] 2.2).
  out.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 0);
  view.setUint16(0x18, 0x3e, true);
  view.setUint16(0x1a, 3, true);
  view.setUint16(0x1c, 0xfffe, true);
  view.setUint16(0x1e, 9, true);
  view.setUint16(0x20, 6, true);
  view.setUint32(0x2c, fatSectors, true);
  view.setUint32(0x30, firstDir, true);
  view.setUint32(0x38, CUTOFF, true);
  view.setUint32(0x3c, miniFatSectors > 0 ? firstMiniFat : END_OF_CHAIN, true);
  view.setUint32(0x40, miniFatSectors, true);
  view.setUint32(0x44, difatSectors > 0 ? 0 : END_OF_CHAIN, true);
  view.setUint32(0x48, difatSectors, true);
  for (let i = 0; i < 109; i++) view.setUint32(0x4c + i * 4, i < fatSectors ? firstFat + i : FREE, true);
  for (let d = 0; d < difatSectors; d++) {
    const o = at(d);
    for (let i = 0; i < 127; i++) {
      const f = 109 + d * 127 + i;
      view.setUint32(o + i * 4, f < fatSectors ? firstFat + f : FREE, true);
    }
    view.setUint32(o + 127 * 4, d + 1 < difatSectors ? d + 1 : END_OF_CHAIN, true);
  }
  return out;
}
