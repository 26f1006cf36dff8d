import { hex, toNumber } from './byte-view.js';
import type { ElfSection, ElfSegment } from './elf-result.js';
import { sectionFlagLetters, sectionTypeName, segmentFlagLetters, segmentTypeName } from './names.js';
import type { RawHeader } from './parse-header.js';
import { type NameBudget, StringTable } from './string-table.js';

/** A section header with the raw values later stages need. */
export interface RawSection {
  section: ElfSection;
  type: number;
  offset: number;
  size: number;
  link: number;
}

/** A program header with its raw type. */
export interface RawSegment {
  segment: ElfSegment;
  type: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
}

/** Section count, name-table index and segment count, following the extended numbering of section 0. */
export function tableCounts(h: RawHeader, problems: string[]): { shnum: number; shstrndx: number; phnum: number } {
  let { shnum, shstrndx, phnum } = h;
  const needsSection0 = (shnum === 0 && h.shoff !== 0) || shstrndx === 0xffff || phnum === 0xffff;
  if (!needsSection0) return { shnum, shstrndx, phnum };
  const v = h.view;
  const at = h.shoff;
  if (h.shentsize < (v.is64 ? 64 : 40) || !v.fits(at, v.is64 ? 64 : 40)) {
    problems.push('extended section numbering: section header 0 is missing or past the end of the file');
    return { shnum, shstrndx, phnum };
  }
  if (shnum === 0) shnum = toNumber(v.word(at + (v.is64 ? 32 : 20), 'section 0 sh_size'));
  if (shstrndx === 0xffff) shstrndx = v.u32(at + (v.is64 ? 40 : 24), 'section 0 sh_link');
  if (phnum === 0xffff) phnum = v.u32(at + (v.is64 ? 44 : 28), 'section 0 sh_info');
  return { shnum, shstrndx, phnum };
}

/** How many table entries to read: capped by the option, and by the entries that fit in the file. */
function readable(h: RawHeader, what: string, offset: number, entsize: number, minEntsize: number, count: number, max: number, problems: string[]): number {
  if (count === 0) return 0;
  if (entsize < minEntsize) {
    problems.push(`${what} entry size ${entsize} is smaller than ${minEntsize}: table not read`);
    return 0;
  }
  let n = count;
  if (n > max) {
    problems.push(`${what} has ${count} entries; only the first ${max} are read (limit)`);
    n = max;
  }
  const fitting = h.view.fits(offset, 0) ? Math.floor((h.view.size - offset) / entsize) : 0;
  if (fitting < n) {
    problems.push(`${what} (offset ${offset}, ${count} entries of ${entsize} bytes) runs past the end of the file: ${Math.max(0, fitting)} entries read`);
    n = Math.max(0, fitting);
  }
  return n;
}

export function parseSegments(h: RawHeader, phnum: number, max: number, problems: string[]): RawSegment[] {
  const v = h.view;
  const n = readable(h, 'program header table', h.phoff, h.phentsize, v.is64 ? 56 : 32, phnum, max, problems);
  const out: RawSegment[] = [];
  for (let i = 0; i < n; i++) {
    const at = h.phoff + i * h.phentsize;
    const what = `program header ${i}`;
    const type = v.u32(at, what);
    const [flags, offset, vaddr, paddr, filesz, memsz, align] = v.is64
      ? [v.u32(at + 4, what), v.u64(at + 8, what), v.u64(at + 16, what), v.u64(at + 24, what), v.u64(at + 32, what), v.u64(at + 40, what), v.u64(at + 48, what)]
      : [
          v.u32(at + 24, what),
          v.word(at + 4, what),
          v.word(at + 8, what),
          v.word(at + 12, what),
          v.word(at + 16, what),
          v.word(at + 20, what),
          v.word(at + 28, what),
        ];
    const segment: ElfSegment = {
      type: segmentTypeName(type),
      offset: toNumber(offset),
      vaddr: hex(vaddr),
      paddr: hex(paddr),
      filesz: toNumber(filesz),
      memsz: toNumber(memsz),
      flags: segmentFlagLetters(flags),
      align: toNumber(align),
    };
    out.push({ segment, type, offset: toNumber(offset), vaddr, filesz: toNumber(filesz) });
  }
  return out;
}

export function parseSections(h: RawHeader, shnum: number, shstrndx: number, max: number, budget: NameBudget, problems: string[]): RawSection[] {
  const v = h.view;
  const n = readable(h, 'section header table', h.shoff, h.shentsize, v.is64 ? 64 : 40, shnum, max, problems);
  const raw: Array<RawSection & { nameIndex: number }> = [];
  for (let i = 0; i < n; i++) {
    const at = h.shoff + i * h.shentsize;
    const what = `section header ${i}`;
    const nameIndex = v.u32(at, what);
    const type = v.u32(at + 4, what);
    const w = v.wordSize;
    const flags = v.word(at + 8, what);
    const addr = v.word(at + 8 + w, what);
    const offset = toNumber(v.word(at + 8 + 2 * w, what));
    const size = toNumber(v.word(at + 8 + 3 * w, what));
    const link = v.u32(at + 8 + 4 * w, what);
    const info = v.u32(at + 12 + 4 * w, what);
    const align = toNumber(v.word(at + 16 + 4 * w, what));
    const entsize = toNumber(v.word(at + 16 + 5 * w, what));
    raw.push({
      nameIndex,
      type,
      offset,
      size,
      link,
      section: {
        index: i,
        name: null,
        type: sectionTypeName(type, h.machine),
        address: hex(addr),
        offset,
        size,
        entsize,
        flags: sectionFlagLetters(flags, h.machine, h.osabi),
        link,
        info,
        align,
      },
    });
  }
  let names: StringTable | undefined;
  const strtab = raw[shstrndx];
  if (shstrndx !== 0 && strtab) names = new StringTable(v, strtab.offset, strtab.size, 'the section-name string table', budget);
  else if (raw.length > 0)
    problems.push(`section-name string table index ${shstrndx} is not a section of this file (${raw.length} read): sections have no names`);
  return raw.map(({ nameIndex, ...rest }) => {
    if (names) rest.section.name = names.get(nameIndex);
    return rest;
  });
}
