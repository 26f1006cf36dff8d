/**
 * The strings of a VS_VERSIONINFO resource (StringFileInfo → StringTable → String), merged over
 * all string tables as pefile's `FileInfo[..].StringTable[..].entries` read together. Every
 * length is checked against its parent, so a corrupt block ends the walk instead of overrunning.
 */
export function readVersionStrings(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  const root = block(b, 0, b.length);
  if (root?.key !== 'VS_VERSION_INFO') return out;
  for (const fileInfo of children(b, root)) {
    if (fileInfo.key !== 'StringFileInfo') continue;
    for (const table of children(b, fileInfo)) {
      for (const s of children(b, table)) {
        const chars = Math.max(0, s.end - s.valueStart) >> 1;
        const value = b.toString('utf16le', s.valueStart, s.valueStart + 2 * chars);
        const nul = value.indexOf('\0');
        out[s.key] = nul === -1 ? value : value.slice(0, nul);
      }
    }
  }
  return out;
}

interface Block {
  key: string;
  end: number;
  valueStart: number;
  childrenStart: number;
}

const align4 = (n: number) => (n + 3) & ~3;

function block(b: Buffer, at: number, limit: number): Block | undefined {
  if (at + 6 > limit) return undefined;
  const length = b.readUInt16LE(at);
  const valueLength = b.readUInt16LE(at + 2);
  const type = b.readUInt16LE(at + 4);
  if (length < 6 || at + length > limit) return undefined;
  const end = at + length;
  let k = at + 6;
  while (k + 1 < end && b.readUInt16LE(k) !== 0) k += 2;
  const key = b.toString('utf16le', at + 6, k);
  const valueStart = align4(k + 2);
  // Text values count 16-bit characters, binary values bytes.
  const valueBytes = type === 1 ? valueLength * 2 : valueLength;
  return { key, end, valueStart, childrenStart: align4(valueStart + valueBytes) };
}

function children(b: Buffer, parent: Block): Block[] {
  const list: Block[] = [];
  let at = parent.childrenStart;
  while (at < parent.end) {
    const child = block(b, at, parent.end);
    if (!child) break;
    list.push(child);
    at = align4(child.end);
  }
  return list;
}
