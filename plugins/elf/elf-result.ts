/** The shape of the elf plugin's results (documented in README.md). */

export interface ElfHeader {
  class: 'ELF32' | 'ELF64';
  data: 'little endian' | 'big endian';
  version: number;
  os_abi: string;
  abi_version: number;
  /** readelf's short name: NONE, REL, EXEC, DYN, CORE. */
  type: string;
  /** DYN with DF_1_PIE: a position-independent executable rather than a shared library. */
  pie: boolean;
  machine: string;
  machine_id: number;
  entry: string;
  flags: string;
  program_headers_offset: number;
  section_headers_offset: number;
  header_size: number;
  program_header_size: number;
  program_header_count: number;
  section_header_size: number;
  section_header_count: number;
  section_names_index: number;
}

export interface ElfSegment {
  type: string;
  offset: number;
  vaddr: string;
  paddr: string;
  filesz: number;
  memsz: number;
  /** R, W, X (readelf's R, W, E). */
  flags: string;
  align: number;
}

export interface ElfSection {
  index: number;
  /** null when the section-name string table is missing or the name lies outside it. */
  name: string | null;
  type: string;
  address: string;
  offset: number;
  size: number;
  entsize: number;
  /** readelf -W's letters (W A X M S I L O G T C ...). */
  flags: string;
  link: number;
  info: number;
  align: number;
}

export interface ElfDynamicEntry {
  tag: string;
  value: string;
  /** The string a NEEDED, SONAME, RPATH, RUNPATH, AUXILIARY or FILTER entry names. */
  string?: string | null;
}

export interface ElfSymbol {
  index: number;
  name: string | null;
  value: string;
  size: number;
  type: string;
  bind: string;
  visibility: string;
  section_index: number;
  /** readelf's Ndx label (UND, ABS, COM) for reserved indexes, else the section's name. */
  section: string | null;
  /** The GNU symbol version (readelf's `name@VERSION`), or null when the symbol has none. */
  version: ElfSymbolVersion | null;
}

export interface ElfSymbolVersion {
  /** The version index (versym & 0x7fff). */
  index: number;
  /** Not the default version of the symbol (versym bit 15): readelf's `@` rather than `@@`. */
  hidden: boolean;
  name: string | null;
  /** A version this object requires from another one (.gnu.version_r) rather than one it defines. */
  required: boolean;
}

export interface ElfResult {
  header: ElfHeader;
  segments: ElfSegment[];
  sections: ElfSection[];
  interpreter: string | null;
  needed: string[];
  soname: string | null;
  rpath: string | null;
  runpath: string | null;
  dynamic: ElfDynamicEntry[];
  dynamic_symbols: ElfSymbol[];
}

/** How much of a hostile file the parser will walk. */
export interface ElfLimits {
  max_sections: number;
  max_segments: number;
  max_dynamic_entries: number;
  max_symbols: number;
}
