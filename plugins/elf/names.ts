/**
 * Names of ELF constants, spelled as binutils' readelf (2.40) prints them, so results compare
 * field by field with `readelf -hlSd --dyn-syms -W`.
 */

export const OSABI: Record<number, string> = {
  0: 'UNIX - System V',
  1: 'UNIX - HP-UX',
  2: 'UNIX - NetBSD',
  3: 'UNIX - GNU',
  6: 'UNIX - Solaris',
  7: 'UNIX - AIX',
  8: 'UNIX - IRIX',
  9: 'UNIX - FreeBSD',
  10: 'UNIX - TRU64',
  11: 'Novell - Modesto',
  12: 'UNIX - OpenBSD',
  13: 'VMS - OpenVMS',
  14: 'HP - Non-Stop Kernel',
  15: 'AROS',
  16: 'FenixOS',
  17: 'Nuxi CloudABI',
  18: 'Stratus Technologies OpenVOS',
};

export const osabiName = (v: number): string => OSABI[v] ?? `<unknown: ${v.toString(16)}>`;

const FILE_TYPES: Record<number, string> = { 0: 'NONE', 1: 'REL', 2: 'EXEC', 3: 'DYN', 4: 'CORE' };

export function fileTypeName(v: number): string {
  const name = FILE_TYPES[v];
  if (name) return name;
  if (v >= 0xff00) return `Processor Specific: (${v.toString(16)})`;
  if (v >= 0xfe00) return `OS Specific: (${v.toString(16)})`;
  return `<unknown>: ${v.toString(16)}`;
}

export const MACHINES: Record<number, string> = {
  0: 'None',
  2: 'Sparc',
  3: 'Intel 80386',
  4: 'MC68000',
  8: 'MIPS R3000',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'IBM S/390',
  40: 'ARM',
  42: 'Renesas / SuperH SH',
  43: 'Sparc v9',
  50: 'Intel IA-64',
  62: 'Advanced Micro Devices X86-64',
  183: 'AArch64',
  243: 'RISC-V',
  247: 'Linux BPF',
  258: 'LoongArch',
};

export const machineName = (v: number): string => MACHINES[v] ?? `<unknown>: 0x${v.toString(16)}`;

const SEGMENT_TYPES: Record<number, string> = {
  0: 'NULL',
  1: 'LOAD',
  2: 'DYNAMIC',
  3: 'INTERP',
  4: 'NOTE',
  5: 'SHLIB',
  6: 'PHDR',
  7: 'TLS',
  0x6474e550: 'GNU_EH_FRAME',
  0x6474e551: 'GNU_STACK',
  0x6474e552: 'GNU_RELRO',
  0x6474e553: 'GNU_PROPERTY',
  0x6474e554: 'GNU_SFRAME',
  0x65a3dbe6: 'OPENBSD_RANDOMIZE',
  0x65a3dbe7: 'OPENBSD_WXNEEDED',
  0x65a41be6: 'OPENBSD_BOOTDATA',
};

export function segmentTypeName(v: number): string {
  const name = SEGMENT_TYPES[v];
  if (name) return name;
  if (v >= 0x70000000 && v <= 0x7fffffff) return `LOPROC+${altHex(v - 0x70000000)}`;
  if (v >= 0x60000000 && v <= 0x6fffffff) return `LOOS+${altHex(v - 0x60000000)}`;
  return `<unknown>: ${v.toString(16)}`;
}

const SECTION_TYPES: Record<number, string> = {
  0: 'NULL',
  1: 'PROGBITS',
  2: 'SYMTAB',
  3: 'STRTAB',
  4: 'RELA',
  5: 'HASH',
  6: 'DYNAMIC',
  7: 'NOTE',
  8: 'NOBITS',
  9: 'REL',
  10: 'SHLIB',
  11: 'DYNSYM',
  14: 'INIT_ARRAY',
  15: 'FINI_ARRAY',
  16: 'PREINIT_ARRAY',
  17: 'GROUP',
  18: 'SYMTAB SECTION INDICES',
  19: 'RELR',
  0x6ffffff5: 'GNU_ATTRIBUTES',
  0x6ffffff6: 'GNU_HASH',
  0x6ffffff7: 'GNU_LIBLIST',
  0x6ffffffd: 'VERDEF',
  0x6ffffffe: 'VERNEED',
  0x6fffffff: 'VERSYM',
};

/** Section types that only mean something on one machine (readelf names these per e_machine). */
const MACHINE_SECTION_TYPES: Record<number, Record<number, string>> = {
  62: { 0x70000001: 'X86_64_UNWIND' },
  40: { 0x70000001: 'ARM_EXIDX', 0x70000002: 'ARM_PREEMPTMAP', 0x70000003: 'ARM_ATTRIBUTES' },
  183: { 0x70000003: 'AARCH64_ATTRIBUTES' },
  243: { 0x70000003: 'RISCV_ATTRIBUTES' },
};

export function sectionTypeName(v: number, machine: number): string {
  const name = MACHINE_SECTION_TYPES[machine]?.[v] ?? SECTION_TYPES[v];
  if (name) return name;
  if (v >= 0x70000000 && v <= 0x7fffffff) return `LOPROC+${altHex(v - 0x70000000)}`;
  if (v >= 0x60000000 && v <= 0x6fffffff) return `LOOS+${altHex(v - 0x60000000)}`;
  if (v >= 0x80000000 && v <= 0xffffffff) return `LOUSER+${altHex(v - 0x80000000)}`;
  return v.toString(16).padStart(8, '0');
}

const X86_64 = 62;
const ARM = 40;
const PPC = 20;
const SHF_MASKOS = 0x0ff00000n;
const SHF_MASKPROC = 0xf0000000n;

/** Machine-specific flag letters readelf knows, checked before the OS and processor masks. */
function machineFlagLetter(bit: bigint, machine: number): string | undefined {
  if (bit === 0x10000000n && machine === X86_64) return 'l';
  if (bit === 0x20000000n && machine === ARM) return 'y';
  if (bit === 0x10000000n && machine === PPC) return 'v';
  return undefined;
}

/**
 * readelf -W's Flg column: one letter per set bit, lowest bit first; `o` and `p` stand for all
 * remaining OS-specific or processor-specific bits at once, as readelf prints them.
 */
export function sectionFlagLetters(flags: bigint, machine: number, osabi: number): string {
  const letters: Record<string, string> = {
    '1': 'W',
    '2': 'A',
    '4': 'X',
    '16': 'M',
    '32': 'S',
    '64': 'I',
    '128': 'L',
    '256': 'O',
    '512': 'G',
    '1024': 'T',
    '2048': 'C',
    '2147483648': 'E',
  };
  const gnu = osabi === 3 || osabi === 9;
  let out = '';
  let rest = flags;
  while (rest !== 0n) {
    const bit = rest & -rest;
    rest &= ~bit;
    const letter = letters[bit.toString()] ?? (gnu && bit === 0x200000n ? 'R' : gnu && bit === 0x01000000n ? 'D' : machineFlagLetter(bit, machine));
    if (letter) out += letter;
    else if ((bit & SHF_MASKOS) !== 0n) {
      out += 'o';
      rest &= ~SHF_MASKOS;
    } else if ((bit & SHF_MASKPROC) !== 0n) {
      out += 'p';
      rest &= ~SHF_MASKPROC;
    } else out += 'x';
  }
  return out;
}

/** Segment permissions: R, W and X (readelf prints them in columns as "R", "W", "E"). */
export function segmentFlagLetters(flags: number): string {
  return `${flags & 4 ? 'R' : ''}${flags & 2 ? 'W' : ''}${flags & 1 ? 'X' : ''}`;
}

const DYNAMIC_TAGS: Record<string, string> = {
  0: 'NULL',
  1: 'NEEDED',
  2: 'PLTRELSZ',
  3: 'PLTGOT',
  4: 'HASH',
  5: 'STRTAB',
  6: 'SYMTAB',
  7: 'RELA',
  8: 'RELASZ',
  9: 'RELAENT',
  10: 'STRSZ',
  11: 'SYMENT',
  12: 'INIT',
  13: 'FINI',
  14: 'SONAME',
  15: 'RPATH',
  16: 'SYMBOLIC',
  17: 'REL',
  18: 'RELSZ',
  19: 'RELENT',
  20: 'PLTREL',
  21: 'DEBUG',
  22: 'TEXTREL',
  23: 'JMPREL',
  24: 'BIND_NOW',
  25: 'INIT_ARRAY',
  26: 'FINI_ARRAY',
  27: 'INIT_ARRAYSZ',
  28: 'FINI_ARRAYSZ',
  29: 'RUNPATH',
  30: 'FLAGS',
  32: 'PREINIT_ARRAY',
  33: 'PREINIT_ARRAYSZ',
  34: 'SYMTAB_SHNDX',
  35: 'RELRSZ',
  36: 'RELR',
  37: 'RELRENT',
  [0x6ffffdf5]: 'GNU_PRELINKED',
  [0x6ffffdf6]: 'GNU_CONFLICTSZ',
  [0x6ffffdf7]: 'GNU_LIBLISTSZ',
  [0x6ffffdf8]: 'CHECKSUM',
  [0x6ffffdf9]: 'PLTPADSZ',
  [0x6ffffdfa]: 'MOVEENT',
  [0x6ffffdfb]: 'MOVESZ',
  [0x6ffffdfc]: 'FEATURE',
  [0x6ffffdfd]: 'POSFLAG_1',
  [0x6ffffdfe]: 'SYMINSZ',
  [0x6ffffdff]: 'SYMINENT',
  [0x6ffffef5]: 'GNU_HASH',
  [0x6ffffef6]: 'TLSDESC_PLT',
  [0x6ffffef7]: 'TLSDESC_GOT',
  [0x6ffffef8]: 'GNU_CONFLICT',
  [0x6ffffef9]: 'GNU_LIBLIST',
  [0x6ffffefa]: 'CONFIG',
  [0x6ffffefb]: 'DEPAUDIT',
  [0x6ffffefc]: 'AUDIT',
  [0x6ffffefd]: 'PLTPAD',
  [0x6ffffefe]: 'MOVETAB',
  [0x6ffffeff]: 'SYMINFO',
  [0x6ffffff0]: 'VERSYM',
  [0x6ffffff9]: 'RELACOUNT',
  [0x6ffffffa]: 'RELCOUNT',
  [0x6ffffffb]: 'FLAGS_1',
  [0x6ffffffc]: 'VERDEF',
  [0x6ffffffd]: 'VERDEFNUM',
  [0x6ffffffe]: 'VERNEED',
  [0x6fffffff]: 'VERNEEDNUM',
  [0x7ffffffd]: 'AUXILIARY',
  [0x7fffffff]: 'FILTER',
};

export function dynamicTagName(tag: bigint): string {
  const name = DYNAMIC_TAGS[tag.toString()];
  if (name) return name;
  if (tag >= 0x70000000n && tag <= 0x7fffffffn) return `Processor Specific: ${tag.toString(16)}`;
  if (tag >= 0x6000000dn && tag <= 0x6ffff000n) return `Operating System specific: ${tag.toString(16)}`;
  return `<unknown>: ${BigInt.asUintN(64, tag).toString(16)}`;
}

/** readelf names STT_GNU_IFUNC only for GNU and FreeBSD files, STB_GNU_UNIQUE only for GNU ones. */
const ifuncOs = (osabi: number) => osabi === 3 || osabi === 9;

export function symbolTypeName(v: number, osabi: number): string {
  const names = ['NOTYPE', 'OBJECT', 'FUNC', 'SECTION', 'FILE', 'COMMON', 'TLS'];
  const name = names[v];
  if (name) return name;
  if (v === 10 && ifuncOs(osabi)) return 'IFUNC';
  if (v >= 13) return `<processor specific>: ${v}`;
  if (v >= 10) return `<OS specific>: ${v}`;
  return `<unknown>: ${v}`;
}

export function symbolBindName(v: number, osabi: number): string {
  const name = ['LOCAL', 'GLOBAL', 'WEAK'][v];
  if (name) return name;
  if (v === 10 && osabi === 3) return 'UNIQUE';
  if (v >= 13) return `<processor specific>: ${v}`;
  if (v >= 10) return `<OS specific>: ${v}`;
  return `<unknown>: ${v}`;
}

export const symbolVisibilityName = (other: number): string => ['DEFAULT', 'INTERNAL', 'HIDDEN', 'PROTECTED'][other & 3]!;

/** readelf's Ndx column for reserved section indexes; undefined for an ordinary index. */
export function specialSectionIndex(shndx: number): string | undefined {
  if (shndx === 0) return 'UND';
  if (shndx === 0xfff1) return 'ABS';
  if (shndx === 0xfff2) return 'COM';
  const hex4 = shndx.toString(16).padStart(4, '0');
  if (shndx >= 0xff00 && shndx <= 0xff1f) return `PRC[0x${hex4}]`;
  if (shndx >= 0xff20 && shndx <= 0xff3f) return `OS [0x${hex4}]`;
  if (shndx >= 0xff00) return `RSV[0x${hex4}]`;
  return undefined;
}

/** C's "%#x": 0 stays "0". */
const altHex = (v: number): string => (v === 0 ? '0' : `0x${v.toString(16)}`);
