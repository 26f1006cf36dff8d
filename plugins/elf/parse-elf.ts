import type { ElfLimits, ElfResult } from './elf-result.js';
import { type DynamicInfo, parseDynamic, parseDynamicSymbols, parseDynamicSymbolsWithoutSections, parseInterpreter } from './parse-dynamic.js';
import { parseHeader } from './parse-header.js';
import { parseSections, parseSegments, type RawSection, type RawSegment, tableCounts } from './parse-tables.js';
import { NameBudget } from './string-table.js';

export interface ParsedElf {
  result: ElfResult;
  /** What was wrong with the file; the result holds what could be read anyway. */
  problems: string[];
}

/**
 * Parse an ELF file. Throws only when the payload is not ELF or its header is unreadable; any
 * other damage becomes a problem, with everything readable still in the result.
 */
export function parseElf(bytes: Uint8Array, limits: ElfLimits): ParsedElf {
  const h = parseHeader(bytes);
  const problems: string[] = [];
  const budget = new NameBudget();
  const stage = <T>(what: string, fallback: T, run: () => T): T => {
    try {
      return run();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
      return fallback;
    }
  };
  const counts = stage('extended numbering', { shnum: h.shnum, shstrndx: h.shstrndx, phnum: h.phnum }, () => tableCounts(h, problems));
  const segments = stage<RawSegment[]>('program headers', [], () => parseSegments(h, counts.phnum, limits.max_segments, problems));
  const sections = stage<RawSection[]>('section headers', [], () => parseSections(h, counts.shnum, counts.shstrndx, limits.max_sections, budget, problems));
  const interpreter = stage('interpreter', null, () => parseInterpreter(h.view, segments, problems));
  const dynamic = stage<DynamicInfo>('dynamic section', { entries: [], pie: false, raw: [], strings: undefined }, () =>
    parseDynamic(h.view, segments, sections, limits.max_dynamic_entries, budget, problems),
  );
  const symbols = stage('dynamic symbols', [], () =>
    sections.length > 0
      ? parseDynamicSymbols(h.view, sections, h.osabi, limits.max_symbols, budget, problems)
      : parseDynamicSymbolsWithoutSections(h.view, dynamic, segments, h.osabi, limits.max_symbols, problems),
  );
  const strings = (tag: string) => dynamic.entries.filter((e) => e.tag === tag).map((e) => e.string ?? null);
  const result: ElfResult = {
    header: { ...h.header, pie: h.type === 3 && dynamic.pie },
    segments: segments.map((s) => s.segment),
    sections: sections.map((s) => s.section),
    interpreter,
    needed: strings('NEEDED').filter((s): s is string => s !== null),
    soname: strings('SONAME')[0] ?? null,
    rpath: strings('RPATH')[0] ?? null,
    runpath: strings('RUNPATH')[0] ?? null,
    dynamic: dynamic.entries,
    dynamic_symbols: symbols,
  };
  return { result, problems: [...problems, ...budget.problems] };
}
