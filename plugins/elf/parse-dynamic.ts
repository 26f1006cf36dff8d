import { type ByteView, hex, toNumber } from './byte-view.js';
import type { ElfDynamicEntry, ElfSymbol } from './elf-result.js';
import { dynamicTagName, specialSectionIndex, symbolBindName, symbolTypeName, symbolVisibilityName } from './names.js';
import type { RawSection, RawSegment } from './parse-tables.js';
import { SymbolVersions } from './parse-versions.js';
import { type NameBudget, StringTable } from './string-table.js';

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const SHT_DYNAMIC = 6;
const SHT_DYNSYM = 11;
const DT_NULL = 0n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const DT_HASH = 4n;
const DT_SYMTAB = 6n;
const DT_GNU_HASH = 0x6ffffef5n;
const DT_FLAGS_1 = 0x6ffffffbn;
const DF_1_PIE = 0x08000000n;
/** Tags whose value is an index into the dynamic string table. */
const STRING_TAGS = new Set([1n, 14n, 15n, 29n, 0x7ffffffdn, 0x7fffffffn]);

/** The file offset of virtual address `addr`, through the LOAD segment that maps it. */
function fileOffsetOf(addr: bigint, segments: RawSegment[]): number | undefined {
  for (const s of segments) {
    if (s.type === PT_LOAD && addr >= s.vaddr && addr < s.vaddr + BigInt(s.filesz)) return s.offset + Number(addr - s.vaddr);
  }
  return undefined;
}

/** The program interpreter named by PT_INTERP, or null. */
export function parseInterpreter(view: ByteView, segments: RawSegment[], problems: string[]): string | null {
  const interp = segments.find((s) => s.type === PT_INTERP);
  if (!interp) return null;
  if (!view.fits(interp.offset, interp.filesz)) {
    problems.push(`PT_INTERP (offset ${interp.offset}, ${interp.filesz} bytes) runs past the end of the file`);
    return null;
  }
  const bytes = view.bytes.subarray(interp.offset, interp.offset + Math.min(interp.filesz, 4096));
  const nul = bytes.indexOf(0);
  if (nul < 0) problems.push('PT_INTERP has no NUL terminator');
  return Buffer.from(bytes.buffer, bytes.byteOffset, nul < 0 ? bytes.length : nul).toString('utf8');
}

export interface DynamicInfo {
  entries: ElfDynamicEntry[];
  pie: boolean;
  /** The entries' raw tags and values. */
  raw: Array<{ tag: bigint; value: bigint }>;
  /** The dynamic string table, when it could be located. */
  strings: StringTable | undefined;
}

/** The dynamic section's entries (up to and including DT_NULL), from PT_DYNAMIC as readelf reads them. */
export function parseDynamic(view: ByteView, segments: RawSegment[], sections: RawSection[], max: number, budget: NameBudget, problems: string[]): DynamicInfo {
  const seg = segments.find((s) => s.type === PT_DYNAMIC);
  const sec = sections.find((s) => s.type === SHT_DYNAMIC);
  const where = seg ? { offset: seg.offset, size: seg.filesz } : sec ? { offset: sec.offset, size: sec.size } : undefined;
  if (!where) return { entries: [], pie: false, raw: [], strings: undefined };
  const entsize = view.is64 ? 16 : 8;
  let count = Math.floor(where.size / entsize);
  const fitting = view.fits(where.offset, 0) ? Math.floor((view.size - where.offset) / entsize) : 0;
  if (fitting < count) {
    problems.push(`the dynamic section (offset ${where.offset}, ${where.size} bytes) runs past the end of the file`);
    count = fitting;
  }
  const raw: Array<{ tag: bigint; value: bigint }> = [];
  for (let i = 0; i < count; i++) {
    if (raw.length >= max) {
      problems.push(`the dynamic section has more than ${max} entries; the rest are not read (limit)`);
      break;
    }
    const at = where.offset + i * entsize;
    const tag = view.sword(at, `dynamic entry ${i}`);
    const value = view.word(at + view.wordSize, `dynamic entry ${i}`);
    raw.push({ tag, value });
    if (tag === DT_NULL) break;
  }
  const strtab = dynamicStrings(view, raw, segments, sections, sec, budget);
  const entries = raw.map(({ tag, value }): ElfDynamicEntry => {
    const entry: ElfDynamicEntry = { tag: dynamicTagName(tag), value: hex(value) };
    if (STRING_TAGS.has(tag)) entry.string = strtab ? strtab.get(toNumber(value)) : null;
    return entry;
  });
  if (!strtab && entries.some((e) => 'string' in e)) problems.push('the dynamic string table (DT_STRTAB) is not in the file: library names are null');
  const flags1 = raw.find((e) => e.tag === DT_FLAGS_1)?.value ?? 0n;
  return { entries, pie: (flags1 & DF_1_PIE) !== 0n, raw, strings: strtab };
}

function dynamicStrings(
  view: ByteView,
  raw: Array<{ tag: bigint; value: bigint }>,
  segments: RawSegment[],
  sections: RawSection[],
  dynamicSection: RawSection | undefined,
  budget: NameBudget,
): StringTable | undefined {
  const addr = raw.find((e) => e.tag === DT_STRTAB)?.value;
  const size = raw.find((e) => e.tag === DT_STRSZ)?.value;
  const offset = addr === undefined ? undefined : fileOffsetOf(addr, segments);
  if (offset !== undefined) {
    const length = size === undefined ? view.size - offset : Math.min(toNumber(size), Math.max(0, view.size - offset));
    return new StringTable(view, offset, length, 'the dynamic string table', budget);
  }
  // No segment maps it (an object file, or stripped program headers): the section the dynamic section links to.
  const linked = dynamicSection ? sections[dynamicSection.link] : undefined;
  return linked ? new StringTable(view, linked.offset, linked.size, 'the dynamic string table', budget) : undefined;
}

interface SymbolTable {
  offset: number;
  size: number;
  names: StringTable | undefined;
  label: string;
}

/** The symbols of every SHT_DYNSYM section, as `readelf --dyn-syms` lists them. */
export function parseDynamicSymbols(view: ByteView, sections: RawSection[], osabi: number, max: number, budget: NameBudget, problems: string[]): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  const versions = new SymbolVersions(view, sections, budget, problems);
  for (const table of sections.filter((s) => s.type === SHT_DYNSYM)) {
    const link = sections[table.link];
    const names = link ? new StringTable(view, link.offset, link.size, 'the dynamic symbol string table', budget) : undefined;
    if (!names) problems.push(`the dynamic symbol table links to section ${table.link}, which is not in the file: symbols have no names`);
    const symbols = { offset: table.offset, size: table.size, names, label: 'the dynamic symbol table' };
    if (!readSymbols(view, symbols, sections, versions, osabi, max, out, problems)) break;
  }
  return out;
}

/**
 * The dynamic symbols of a file without section headers (stripped with sstrip, or damaged), found
 * through DT_SYMTAB and counted through DT_HASH or DT_GNU_HASH, as the dynamic loader finds them.
 * readelf shows none for such files; without sections there are no section names or versions.
 */
export function parseDynamicSymbolsWithoutSections(
  view: ByteView,
  dynamic: DynamicInfo,
  segments: RawSegment[],
  osabi: number,
  max: number,
  problems: string[],
): ElfSymbol[] {
  const value = (tag: bigint) => dynamic.raw.find((e) => e.tag === tag)?.value;
  const symtab = value(DT_SYMTAB);
  if (symtab === undefined) return [];
  const offset = fileOffsetOf(symtab, segments);
  if (offset === undefined) {
    problems.push(`DT_SYMTAB (${hex(symtab)}) is not in any LOAD segment: dynamic symbols not read`);
    return [];
  }
  const count = symbolCount(view, value(DT_HASH), value(DT_GNU_HASH), segments, max, problems);
  if (count === undefined) return [];
  const out: ElfSymbol[] = [];
  const table = { offset, size: count * (view.is64 ? 24 : 16), names: dynamic.strings, label: 'the dynamic symbol table (DT_SYMTAB)' };
  readSymbols(view, table, [], undefined, osabi, max, out, problems);
  return out;
}

/** How many symbols DT_HASH (its nchain) or DT_GNU_HASH (the last chain's end) says there are. */
function symbolCount(
  view: ByteView,
  hash: bigint | undefined,
  gnuHash: bigint | undefined,
  segments: RawSegment[],
  max: number,
  problems: string[],
): number | undefined {
  const hashAt = hash === undefined ? undefined : fileOffsetOf(hash, segments);
  if (hashAt !== undefined) return view.u32(hashAt + 4, 'DT_HASH nchain');
  const at = gnuHash === undefined ? undefined : fileOffsetOf(gnuHash, segments);
  if (at === undefined) {
    problems.push('neither DT_HASH nor DT_GNU_HASH is in the file: the number of dynamic symbols is unknown, none read');
    return undefined;
  }
  const nbuckets = view.u32(at, 'DT_GNU_HASH nbuckets');
  const symoffset = view.u32(at + 4, 'DT_GNU_HASH symoffset');
  const bloomSize = view.u32(at + 8, 'DT_GNU_HASH bloom size');
  const buckets = at + 16 + bloomSize * view.wordSize;
  if (!view.fits(buckets, nbuckets * 4)) throw new RangeError(`DT_GNU_HASH buckets (${nbuckets}) run past the end of the file`);
  let last = 0;
  for (let i = 0; i < nbuckets; i++) last = Math.max(last, view.u32(buckets + i * 4, 'DT_GNU_HASH bucket'));
  if (last < symoffset) return symoffset;
  const chains = buckets + nbuckets * 4;
  // The chain holding the highest symbol ends with an odd hash; past max entries the rest is not read anyway.
  for (let i = last; i - symoffset <= max + 1; i++) {
    if (view.u32(chains + (i - symoffset) * 4, 'DT_GNU_HASH chain') & 1) return i + 1;
  }
  return max + 1;
}

/** Reads one table of symbols into `out`; false once `max` is reached. */
function readSymbols(
  view: ByteView,
  table: SymbolTable,
  sections: RawSection[],
  versions: SymbolVersions | undefined,
  osabi: number,
  max: number,
  out: ElfSymbol[],
  problems: string[],
): boolean {
  const entsize = view.is64 ? 24 : 16;
  let count = Math.floor(table.size / entsize);
  const fitting = view.fits(table.offset, 0) ? Math.floor((view.size - table.offset) / entsize) : 0;
  if (fitting < count) {
    problems.push(`${table.label} (offset ${table.offset}, ${table.size} bytes) runs past the end of the file: ${fitting} symbols read`);
    count = fitting;
  }
  for (let i = 0; i < count; i++) {
    if (out.length >= max) {
      problems.push(`more than ${max} dynamic symbols; the rest are not read (limit)`);
      return false;
    }
    const at = table.offset + i * entsize;
    const what = `dynamic symbol ${i}`;
    const nameIndex = view.u32(at, what);
    const [value, size, info, other, shndx] = view.is64
      ? [view.u64(at + 8, what), view.u64(at + 16, what), view.u8(at + 4, what), view.u8(at + 5, what), view.u16(at + 6, what)]
      : [view.word(at + 4, what), view.word(at + 8, what), view.u8(at + 12, what), view.u8(at + 13, what), view.u16(at + 14, what)];
    out.push({
      index: i,
      name: table.names ? table.names.get(nameIndex) : null,
      value: hex(value),
      size: toNumber(size),
      type: symbolTypeName(info & 0xf, osabi),
      bind: symbolBindName(info >> 4, osabi),
      visibility: symbolVisibilityName(other),
      section_index: shndx,
      section: specialSectionIndex(shndx) ?? sections[shndx]?.section.name ?? null,
      version: versions?.of(i, shndx !== 0, nameIndex) ?? null,
    });
  }
  return true;
}
