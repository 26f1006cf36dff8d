import type { ByteView } from './byte-view.js';

/** Longest name read from a string table; longer ones are cut (and reported once). */
export const MAX_NAME_BYTES = 4096;
/** All names of one file together; past this, names are reported as null. */
export const MAX_NAMES_TOTAL = 16 * 1024 * 1024;

/** Shared by every string table of one file, so a hostile file cannot multiply its cost. */
export class NameBudget {
  used = 0;
  readonly problems = new Set<string>();
}

/**
 * NUL-terminated strings from one table (`offset`, `size` in the file). A table that runs past
 * the end of the file is cut at the end; a name without its terminator ends where the table does.
 */
export class StringTable {
  readonly #start: number;
  readonly #end: number;
  readonly #cache = new Map<number, string | null>();

  constructor(
    readonly view: ByteView,
    offset: number,
    size: number,
    readonly label: string,
    readonly budget: NameBudget,
  ) {
    this.#start = view.fits(offset, 0) ? offset : view.size;
    this.#end = Math.min(view.size, this.#start + Math.max(0, size));
    if (!view.fits(offset, 0) || offset + size > view.size) budget.problems.add(`${label} (offset ${offset}, ${size} bytes) runs past the end of the file`);
  }

  /** The string at `index` into the table, or null when it lies outside the table. */
  get(index: number): string | null {
    const cached = this.#cache.get(index);
    if (cached !== undefined) return cached;
    const name = this.#read(index);
    this.#cache.set(index, name);
    return name;
  }

  #read(index: number): string | null {
    const at = this.#start + index;
    if (index < 0 || at >= this.#end) {
      this.budget.problems.add(`names lie outside ${this.label} (a table of ${this.#end - this.#start} bytes): those are null`);
      return null;
    }
    if (this.budget.used >= MAX_NAMES_TOTAL) {
      this.budget.problems.add(`names past the first ${MAX_NAMES_TOTAL} bytes are not read (null)`);
      return null;
    }
    const bytes = this.view.bytes;
    const limit = Math.min(this.#end, at + MAX_NAME_BYTES);
    let stop = at;
    while (stop < limit && bytes[stop] !== 0) stop++;
    if (stop === this.#end) this.budget.problems.add(`${this.label} ends inside a name (no NUL terminator)`);
    else if (stop === limit) this.budget.problems.add(`names longer than ${MAX_NAME_BYTES} bytes are cut`);
    this.budget.used += stop - at;
    return Buffer.from(bytes.buffer, bytes.byteOffset + at, stop - at).toString('utf8');
  }
}
