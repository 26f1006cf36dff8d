import { ByteView, hex, toNumber } from './byte-view.js';
import type { ElfHeader } from './elf-result.js';
import { fileTypeName, machineName, osabiName } from './names.js';

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** The header's fields the rest of the parser works from (header sizes, counts, raw values). */
export interface RawHeader {
  view: ByteView;
  header: ElfHeader;
  osabi: number;
  machine: number;
  type: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

/** The ELF header. Throws when the payload is not ELF or the header itself is cut short. */
export function parseHeader(bytes: Uint8Array): RawHeader {
  if (bytes.byteLength < 4 || ELF_MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('not an ELF file (no \\x7fELF magic at offset 0)');
  if (bytes.byteLength < 16) throw new Error(`truncated ELF header: ${bytes.byteLength} bytes, e_ident alone needs 16`);
  const cls = bytes[4]!;
  const data = bytes[5]!;
  if (cls !== 1 && cls !== 2) throw new Error(`unknown ELF class ${cls} (EI_CLASS must be 1 for ELF32 or 2 for ELF64)`);
  if (data !== 1 && data !== 2) throw new Error(`unknown ELF data encoding ${data} (EI_DATA must be 1 for little or 2 for big endian)`);
  const is64 = cls === 2;
  const view = new ByteView(bytes, data === 1, is64);
  const size = is64 ? 64 : 52;
  if (bytes.byteLength < size) throw new Error(`truncated ELF header: ${bytes.byteLength} bytes, an ELF${is64 ? 64 : 32} header needs ${size}`);
  const w = view.wordSize;
  // Fields after e_entry shift by the wider words of ELF64 (entry, phoff, shoff).
  const type = view.u16(16, 'e_type');
  const machine = view.u16(18, 'e_machine');
  const entry = view.word(24, 'e_entry');
  const phoff = view.word(24 + w, 'e_phoff');
  const shoff = view.word(24 + 2 * w, 'e_shoff');
  const base = 24 + 3 * w;
  const flags = view.u32(base, 'e_flags');
  const ehsize = view.u16(base + 4, 'e_ehsize');
  const phentsize = view.u16(base + 6, 'e_phentsize');
  const phnum = view.u16(base + 8, 'e_phnum');
  const shentsize = view.u16(base + 10, 'e_shentsize');
  const shnum = view.u16(base + 12, 'e_shnum');
  const shstrndx = view.u16(base + 14, 'e_shstrndx');
  const osabi = bytes[7]!;
  const header: ElfHeader = {
    class: is64 ? 'ELF64' : 'ELF32',
    data: data === 1 ? 'little endian' : 'big endian',
    version: bytes[6]!,
    os_abi: osabiName(osabi),
    abi_version: bytes[8]!,
    type: fileTypeName(type),
    pie: false,
    machine: machineName(machine),
    machine_id: machine,
    entry: hex(entry),
    flags: hex(flags),
    program_headers_offset: toNumber(phoff),
    section_headers_offset: toNumber(shoff),
    header_size: ehsize,
    program_header_size: phentsize,
    program_header_count: phnum,
    section_header_size: shentsize,
    section_header_count: shnum,
    section_names_index: shstrndx,
  };
  return { view, header, osabi, machine, type, phoff: toNumber(phoff), phentsize, phnum, shoff: toNumber(shoff), shentsize, shnum, shstrndx };
}
