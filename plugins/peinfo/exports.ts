import { DIR, type PeImage } from './pe-image.js';

export interface ExportedSymbol {
  name: string | null;
  ordinal: number;
  /** RVA of the function (or of the forwarder string). */
  address: number;
  forwarder?: string;
}

/**
 * The export directory: named symbols in name-table order, then functions exported by ordinal
 * only (pefile's order). `maxExports` bounds the work on a directory that claims millions.
 */
export function readExports(pe: PeImage, maxExports: number, warn: (m: string) => void): ExportedSymbol[] {
  const dir = pe.directory(DIR.EXPORT);
  if (!dir) return [];
  const d = pe.bytesAt(dir.rva, 40);
  if (!d || d.length < 40) {
    warn(`export directory at RVA 0x${dir.rva.toString(16)} is outside the data`);
    return [];
  }
  const base = d.readUInt32LE(16);
  let functions = d.readUInt32LE(20);
  let names = d.readUInt32LE(24);
  const functionsRva = d.readUInt32LE(28);
  const namesRva = d.readUInt32LE(32);
  const ordinalsRva = d.readUInt32LE(36);
  if (functions > maxExports || names > maxExports) {
    warn(`export directory lists ${functions} functions and ${names} names; only ${maxExports} (max_exports) are read`);
    functions = Math.min(functions, maxExports);
    names = Math.min(names, maxExports);
  }
  const isForwarder = (rva: number) => rva >= dir.rva && rva < dir.rva + dir.size;
  const symbol = (name: string | null, index: number): ExportedSymbol | undefined => {
    const address = pe.u32At(functionsRva + 4 * index);
    if (address === undefined) return undefined;
    const s: ExportedSymbol = { name, ordinal: base + index, address };
    if (isForwarder(address)) s.forwarder = pe.stringAt(address, 0x200) ?? '';
    return s;
  };
  const result: ExportedSymbol[] = [];
  const named = new Set<number>();
  for (let i = 0; i < names; i++) {
    const nameRva = pe.u32At(namesRva + 4 * i);
    const index = pe.u16At(ordinalsRva + 2 * i);
    if (nameRva === undefined || index === undefined) {
      warn(`export name ${i} cannot be read`);
      break;
    }
    const s = symbol(pe.stringAt(nameRva, 0x200) ?? null, index);
    if (!s) continue;
    named.add(index);
    result.push(s);
  }
  for (let index = 0; index < functions; index++) {
    if (named.has(index)) continue;
    const s = symbol(null, index);
    if (s && s.address !== 0) result.push(s);
  }
  return result;
}
