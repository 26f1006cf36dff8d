import type { ByteView } from './byte-view.js';
import type { ElfSymbolVersion } from './elf-result.js';
import type { RawSection } from './parse-tables.js';
import { type NameBudget, StringTable } from './string-table.js';

const SHT_GNU_VERDEF = 0x6ffffffd;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;
/** Version definitions or requirements read at most, each with at most as many auxiliary entries. */
const MAX_VERSION_ENTRIES = 4096;

/** The GNU symbol versions (.gnu.version, .gnu.version_d, .gnu.version_r) of the dynamic symbols. */
export class SymbolVersions {
  readonly #versym: RawSection | undefined;
  readonly #defined = new Map<number, { name: string | null; nameOffset: number }>();
  readonly #required = new Map<number, string | null>();

  constructor(
    readonly view: ByteView,
    sections: RawSection[],
    budget: NameBudget,
    problems: string[],
  ) {
    this.#versym = sections.find((s) => s.type === SHT_GNU_VERSYM);
    const verdef = sections.find((s) => s.type === SHT_GNU_VERDEF);
    const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
    const strings = (s: RawSection) => {
      const linked = sections[s.link];
      return linked ? new StringTable(view, linked.offset, linked.size, 'the version string table', budget) : undefined;
    };
    try {
      if (verdef) this.#readDefinitions(verdef, strings(verdef));
      if (verneed) this.#readRequirements(verneed, strings(verneed));
    } catch (err) {
      problems.push(`symbol versions: ${(err as Error).message}`);
    }
  }

  /** Walks a chain of version entries (each `next` bytes after the last) inside one section. */
  #walk(section: RawSection, what: string, visit: (at: number) => number): void {
    const end = section.offset + section.size;
    let at = section.offset;
    for (let n = 0; n < MAX_VERSION_ENTRIES; n++) {
      if (at >= end) throw new RangeError(`${what} entry at offset ${at} lies outside its section`);
      const next = visit(at);
      if (next === 0) return;
      at += next;
    }
    throw new RangeError(`${what} has more than ${MAX_VERSION_ENTRIES} entries`);
  }

  #readDefinitions(section: RawSection, names: StringTable | undefined): void {
    const v = this.view;
    this.#walk(section, 'version definition', (at) => {
      const ndx = v.u16(at + 4, 'vd_ndx');
      const aux = v.u32(at + 12, 'vd_aux');
      const nameOffset = v.u32(at + aux, 'vda_name');
      this.#defined.set(ndx, { name: names ? names.get(nameOffset) : null, nameOffset });
      return v.u32(at + 16, 'vd_next');
    });
  }

  #readRequirements(section: RawSection, names: StringTable | undefined): void {
    const v = this.view;
    this.#walk(section, 'version requirement', (at) => {
      const count = v.u16(at + 2, 'vn_cnt');
      let aux = at + v.u32(at + 8, 'vn_aux');
      for (let i = 0; i < Math.min(count, MAX_VERSION_ENTRIES); i++) {
        const other = v.u16(aux + 6, 'vna_other');
        this.#required.set(other, names ? names.get(v.u32(aux + 8, 'vna_name')) : null);
        const next = v.u32(aux + 12, 'vna_next');
        if (next === 0) break;
        aux += next;
      }
      return v.u32(at + 12, 'vn_next');
    });
  }

  /**
   * The version of dynamic symbol `i` (whose name is at `nameOffset`), or undefined when it has
   * none: local, global, no .gnu.version, or the symbol that names a version definition itself.
   */
  of(i: number, defined: boolean, nameOffset: number): ElfSymbolVersion | undefined {
    const table = this.#versym;
    if (!table || (i + 1) * 2 > table.size || !this.view.fits(table.offset + i * 2, 2)) return undefined;
    const raw = this.view.u16(table.offset + i * 2, 'versym');
    const index = raw & 0x7fff;
    if (index < 2) return undefined;
    const hidden = (raw & 0x8000) !== 0;
    // As readelf: definitions first for defined symbols, then requirements (copy-relocated data is defined yet required).
    const definition = defined && raw !== 0x8001 ? this.#defined.get(index) : undefined;
    if (definition) return definition.nameOffset === nameOffset ? undefined : { index, hidden, name: definition.name, required: false };
    if (this.#required.has(index)) return { index, hidden, name: this.#required.get(index) ?? null, required: true };
    return undefined;
  }
}
