import { createHash } from 'node:crypto';
import { ordinalName } from './ordinal-names.js';
import { DIR, type PeImage } from './pe-image.js';

export interface ImportedSymbol {
  name: string | undefined;
  ordinal: number | undefined;
}

export interface ImportedDll {
  dll: string;
  symbols: ImportedSymbol[];
}

export interface ImportLimits {
  maxImports: number;
}

const MAX_DLL_NAME = 0x200;
const MAX_IMPORT_NAME = 0x200;
/** pefile gives up on a descriptor table after this many descriptors with no symbols. */
const MAX_EMPTY_DESCRIPTORS = 5;

const VALID_FUNCTION_NAME = /^[A-Za-z0-9_?@$()<>]+$/;
const VALID_DOS_FILENAME = /^[A-Za-z0-9!#$%&'()\-@^_`{}~+,.;=[\]\\/:]+$/;

/**
 * The import directory, walked as pefile walks it: descriptors until an all-zero one, each DLL's
 * thunks from OriginalFirstThunk (else FirstThunk), names checked as pefile checks them, and
 * unnamed ordinals of ws2_32/wsock32/oleaut32 named from pefile's tables. Bounded: at most
 * `maxImports` symbols in all, and the walk ends after a few descriptors without symbols, so
 * descriptors that all name the same thunk list (an import loop) cannot make it run long.
 */
export function readImports(pe: PeImage, limits: ImportLimits, warn: (m: string) => void): ImportedDll[] {
  const dir = pe.directory(DIR.IMPORT);
  if (!dir) return [];
  const result: ImportedDll[] = [];
  let rva = dir.rva;
  let total = 0;
  let empty = 0;
  let full = false;
  const thunkSize = pe.is64 ? 8 : 4;
  for (;;) {
    const desc = pe.bytesAt(rva, 20);
    if (!desc || desc.length < 20) {
      warn(`import descriptor at RVA 0x${rva.toString(16)} is outside the data`);
      break;
    }
    if (desc.every((b) => b === 0)) break;
    const originalFirstThunk = desc.readUInt32LE(0);
    const nameRva = desc.readUInt32LE(12);
    const firstThunk = desc.readUInt32LE(16);
    rva += 20;
    const symbols: ImportedSymbol[] = [];
    const thunks = originalFirstThunk || firstThunk;
    for (let i = 0; ; i++) {
      if (total >= limits.maxImports) {
        warn(`more than ${limits.maxImports} imported symbols (max_imports); the rest are not read`);
        full = true;
        break;
      }
      const entry = pe.bytesAt(thunks + i * thunkSize, thunkSize);
      if (!entry || entry.length < thunkSize) break;
      const value = pe.is64 ? entry.readBigUInt64LE(0) : BigInt(entry.readUInt32LE(0));
      if (value === 0n) break;
      total++;
      const byOrdinal = pe.is64 ? value >> 63n === 1n : value >> 31n === 1n;
      if (byOrdinal) {
        symbols.push({ name: undefined, ordinal: Number(value & 0xffffn) });
      } else {
        const hintRva = Number(value & 0x7fffffffn);
        const name = pe.stringAt(hintRva + 2, MAX_IMPORT_NAME);
        symbols.push({ name: name === undefined ? undefined : VALID_FUNCTION_NAME.test(name) ? name : '*invalid*', ordinal: undefined });
      }
    }
    if (symbols.length === 0) {
      if (full) break;
      if (++empty > MAX_EMPTY_DESCRIPTORS) {
        warn('too many import descriptors without symbols; the import directory is not read further');
        break;
      }
      continue;
    }
    let dll = pe.stringAt(nameRva, MAX_DLL_NAME) ?? '';
    if (!VALID_DOS_FILENAME.test(dll)) dll = '*invalid*';
    for (const s of symbols) if (s.name === undefined && s.ordinal !== undefined) s.name = ordinalName(dll, s.ordinal, false);
    result.push({ dll, symbols });
    if (full) break;
  }
  return result;
}

/** pefile's `get_imphash()`: md5 of "dll.function" pairs, lower-cased, comma-joined, in table order. */
export function imphash(imports: ImportedDll[]): string {
  if (imports.length === 0) return '';
  const parts: string[] = [];
  for (const { dll, symbols } of imports) {
    let lib = dll.toLowerCase();
    const dot = lib.lastIndexOf('.');
    if (dot !== -1 && ['ocx', 'sys', 'dll'].includes(lib.slice(dot + 1))) lib = lib.slice(0, dot);
    for (const s of symbols) {
      const name = s.name || (s.ordinal !== undefined ? ordinalName(dll, s.ordinal, true) : undefined);
      if (name) parts.push(`${lib}.${name.toLowerCase()}`);
    }
  }
  return createHash('md5').update(parts.join(','), 'latin1').digest('hex');
}
