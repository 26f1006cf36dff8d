/**
 * The headers and section table of a PE32 / PE32+ image, read from a Buffer, with address
 * translation done the way pefile does it (so every table found through an RVA lands on the
 * same bytes as the reference tool).
 */

/** The image is not a PE at all, or its headers cannot be read. */
export class PeFormatError extends Error {}

export interface DataDirectory {
  rva: number;
  size: number;
}

export interface SectionHeader {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawSize: number;
  rawPointer: number;
  characteristics: number;
}

const FILE_ALIGNMENT_HARDCODED = 0x200;
const PE32 = 0x10b;
const PE32_PLUS = 0x20b;

/** Directory indexes (PE/COFF spec order). */
export const DIR = { EXPORT: 0, IMPORT: 1, RESOURCE: 2, SECURITY: 4, DEBUG: 6, TLS: 9, CLR: 14 } as const;

export class PeImage {
  readonly warnings: string[] = [];
  readonly e_lfanew: number;
  readonly machine: number;
  readonly numberOfSections: number;
  readonly timeDateStamp: number;
  readonly characteristics: number;
  readonly sizeOfOptionalHeader: number;
  readonly optionalHeaderOffset: number;
  readonly is64: boolean;
  readonly entryPoint: number;
  readonly imageBase: bigint;
  readonly sectionAlignment: number;
  readonly fileAlignment: number;
  readonly subsystem: number;
  readonly dllCharacteristics: number;
  readonly directories: DataDirectory[] = [];
  readonly sections: SectionHeader[] = [];
  /**
   * Sections sorted by address with the RVA range pefile gives each (clipped where the next one
   * starts), and the running maximum of the range ends: lookups are two binary searches, so a
   * hostile file with thousands of sections and tables does not cost sections × lookups.
   */
  readonly #ranges: { s: SectionHeader; start: number; end: number }[] = [];
  readonly #maxEnd: number[] = [];

  /** Reads the headers; throws PeFormatError if there is no PE to read, records the rest in `warnings`. */
  constructor(
    readonly data: Buffer,
    maxSections: number,
  ) {
    if (data.length < 64 || data.readUInt16LE(0) !== 0x5a4d) throw new PeFormatError('no MZ (DOS header) signature at offset 0');
    this.e_lfanew = data.readUInt32LE(0x3c);
    if (this.e_lfanew + 24 > data.length) throw new PeFormatError(`e_lfanew 0x${this.e_lfanew.toString(16)} points past the end of the data`);
    if (data.readUInt32LE(this.e_lfanew) !== 0x00004550) throw new PeFormatError(`no PE\\0\\0 signature at e_lfanew 0x${this.e_lfanew.toString(16)}`);
    const fh = this.e_lfanew + 4;
    this.machine = data.readUInt16LE(fh);
    this.numberOfSections = data.readUInt16LE(fh + 2);
    this.timeDateStamp = data.readUInt32LE(fh + 4);
    this.sizeOfOptionalHeader = data.readUInt16LE(fh + 16);
    this.characteristics = data.readUInt16LE(fh + 18);
    const oh = fh + 20;
    this.optionalHeaderOffset = oh;
    if (oh + 2 > data.length) throw new PeFormatError('the optional header is past the end of the data');
    const magic = data.readUInt16LE(oh);
    if (magic !== PE32 && magic !== PE32_PLUS)
      throw new PeFormatError(`optional header magic 0x${magic.toString(16)} is neither PE32 (0x10b) nor PE32+ (0x20b)`);
    this.is64 = magic === PE32_PLUS;
    const fixedEnd = oh + (this.is64 ? 112 : 96);
    if (fixedEnd > data.length) throw new PeFormatError('the optional header is truncated');
    this.entryPoint = data.readUInt32LE(oh + 16);
    this.imageBase = this.is64 ? data.readBigUInt64LE(oh + 24) : BigInt(data.readUInt32LE(oh + 28));
    this.sectionAlignment = data.readUInt32LE(oh + 32);
    this.fileAlignment = data.readUInt32LE(oh + 36);
    this.subsystem = data.readUInt16LE(oh + 68);
    this.dllCharacteristics = data.readUInt16LE(oh + 70);
    const dirCount = Math.min(data.readUInt32LE(fixedEnd - 4), 16);
    for (let i = 0; i < dirCount && fixedEnd + 8 * i + 8 <= data.length; i++) {
      this.directories.push({ rva: data.readUInt32LE(fixedEnd + 8 * i), size: data.readUInt32LE(fixedEnd + 8 * i + 4) });
    }
    this.#readSections(oh + this.sizeOfOptionalHeader, maxSections);
  }

  #readSections(tableOffset: number, maxSections: number): void {
    const wanted = this.numberOfSections;
    if (wanted > maxSections) this.warnings.push(`NumberOfSections is ${wanted}; only the first ${maxSections} (max_sections) are read`);
    const count = Math.min(wanted, maxSections);
    for (let i = 0; i < count; i++) {
      const at = tableOffset + 40 * i;
      if (at + 40 > this.data.length) {
        this.warnings.push(`section table runs past the end of the data: header ${i} of ${wanted} at offset 0x${at.toString(16)} cannot be read`);
        break;
      }
      this.sections.push({
        name: latin1UpToNul(this.data.subarray(at, at + 8)),
        virtualSize: this.data.readUInt32LE(at + 8),
        virtualAddress: this.data.readUInt32LE(at + 12),
        rawSize: this.data.readUInt32LE(at + 16),
        rawPointer: this.data.readUInt32LE(at + 20),
        characteristics: this.data.readUInt32LE(at + 36),
      });
    }
    const sorted = [...this.sections].sort((a, b) => a.virtualAddress - b.virtualAddress);
    let maxEnd = 0;
    sorted.forEach((s, i) => {
      const nextVa = sorted[i + 1]?.virtualAddress;
      const start = this.virtualAddressAdjusted(s);
      let size = this.data.length - this.rawPointerAdjusted(s) < s.rawSize ? s.virtualSize : Math.max(s.rawSize, s.virtualSize);
      if (nextVa !== undefined && nextVa > s.virtualAddress && start + size > nextVa) size = nextVa - start;
      this.#ranges.push({ s, start, end: start + size });
      maxEnd = Math.max(maxEnd, start + size);
      this.#maxEnd.push(maxEnd);
    });
  }

  directory(index: number): DataDirectory | undefined {
    const d = this.directories[index];
    return d && (d.rva !== 0 || d.size !== 0) ? d : undefined;
  }

  rawPointerAdjusted(s: SectionHeader): number {
    return this.fileAlignment < FILE_ALIGNMENT_HARDCODED ? s.rawPointer : Math.floor(s.rawPointer / 0x200) * 0x200;
  }

  virtualAddressAdjusted(s: SectionHeader): number {
    const alignment = this.sectionAlignment < 0x1000 ? this.fileAlignment : this.sectionAlignment;
    return alignment && s.virtualAddress % alignment ? alignment * Math.floor(s.virtualAddress / alignment) : s.virtualAddress;
  }

  /** The section's bytes on disk, as pefile's `section.get_data()`. */
  sectionData(s: SectionHeader): Buffer {
    const start = this.rawPointerAdjusted(s);
    const end = Math.min(start + s.rawSize, s.rawPointer + s.rawSize);
    return this.data.subarray(Math.min(start, this.data.length), Math.max(Math.min(end, this.data.length), 0));
  }

  /** The first section, in address order, whose range holds the RVA. */
  sectionOf(rva: number): SectionHeader | undefined {
    const ranges = this.#ranges;
    // last: the last range starting at or before rva; first: the first whose end (or an earlier one's) passes it.
    const last = lastIndex(ranges.length, (i) => ranges[i]!.start <= rva);
    const first = lastIndex(ranges.length, (i) => this.#maxEnd[i]! <= rva) + 1;
    return first <= last ? ranges[first]!.s : undefined;
  }

  /** File offset of an RVA, as pefile's `get_offset_from_rva`; undefined where pefile raises. */
  offsetOf(rva: number): number | undefined {
    const s = this.sectionOf(rva);
    if (!s) return rva < this.data.length ? rva : undefined;
    return rva - this.virtualAddressAdjusted(s) + this.rawPointerAdjusted(s);
  }

  /** Up to `length` bytes at an RVA (fewer at the end of the data); undefined if the RVA maps nowhere. */
  bytesAt(rva: number, length: number): Buffer | undefined {
    const at = this.offsetOf(rva);
    if (at === undefined || at >= this.data.length) return undefined;
    return this.data.subarray(at, Math.min(at + length, this.data.length));
  }

  u16At(rva: number): number | undefined {
    const b = this.bytesAt(rva, 2);
    return b && b.length === 2 ? b.readUInt16LE(0) : undefined;
  }

  u32At(rva: number): number | undefined {
    const b = this.bytesAt(rva, 4);
    return b && b.length === 4 ? b.readUInt32LE(0) : undefined;
  }

  /** A NUL-terminated byte string at an RVA, at most `max` bytes. */
  stringAt(rva: number, max: number): string | undefined {
    const b = this.bytesAt(rva, max);
    return b ? latin1UpToNul(b) : undefined;
  }

  /** Where data not described by the headers begins (pefile's `get_overlay_data_start_offset`). */
  overlayOffset(): number | undefined {
    const fileSize = this.data.length;
    let best: [number, number] = [0, 0];
    const consider = (offset: number | undefined, size: number) => {
      if (offset === undefined) return;
      const end = offset + size;
      if (end <= fileSize && end > best[0] + best[1]) best = [offset, size];
    };
    consider(this.optionalHeaderOffset, this.sizeOfOptionalHeader);
    for (const s of this.sections) consider(s.rawPointer, s.rawSize);
    this.directories.forEach((d, i) => {
      if (i !== DIR.SECURITY) consider(this.offsetOf(d.rva), d.size);
    });
    const end = best[0] + best[1];
    return fileSize > end ? end : undefined;
  }
}

/** The last index i < length with `holds(i)` for a predicate true up to some index and false after; -1 if none. */
function lastIndex(length: number, holds: (i: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (holds(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export function latin1UpToNul(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('latin1', 0, nul === -1 ? b.length : nul);
}
