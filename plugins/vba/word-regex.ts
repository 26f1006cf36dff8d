/**
 * Python's `re` treats letters and digits of every script as word characters; JavaScript's `\w`
 * and `\b` only ASCII ones. olevba's matching is Python's, so word boundaries are spelt out here.
 */

export const WORD = '[\\p{L}\\p{N}_]';
export const BOUNDARY = `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`;

export function escapeRegex(text: string): string {
  // Only syntax characters may be escaped under the `u` flag.
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A pattern source with `\w` widened to Unicode word characters. */
export function widen(source: string): string {
  return source.replace(/\\w/g, WORD);
}

const WORD_CHAR = new RegExp(`^${WORD}$`, 'u');

export function isWordChar(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const code = text.charCodeAt(index);
  if (code < 0x80) return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
  // A low surrogate: look at the whole code point it ends.
  const start = code >= 0xdc00 && code <= 0xdfff && index > 0 ? index - 1 : index;
  const point = text.codePointAt(start)!;
  let word = WORD_CACHE.get(point);
  if (word === undefined) {
    word = WORD_CHAR.test(String.fromCodePoint(point));
    if (WORD_CACHE.size < 70_000) WORD_CACHE.set(point, word);
  }
  return word;
}

const WORD_CACHE = new Map<number, boolean>();

/** Python's `\b`: a word character on exactly one side. */
export function isBoundary(text: string, index: number): boolean {
  return isWordChar(text, index - 1) !== isWordChar(text, index);
}

/**
 * Whole-word, case-insensitive search, the way olevba looks for each keyword. Regexes with
 * Unicode classes take V8 milliseconds each to compile, too slow for a few hundred keywords, so
 * the search uses ASCII `\b` and each hit is then checked against Python's Unicode word
 * boundaries.
 */
export class WordSearch {
  readonly #regex: RegExp;
  constructor(body: string) {
    this.#regex = new RegExp(`\\b(?:${body})\\b`, 'gi');
  }
  first(text: string): string | undefined {
    const regex = this.#regex;
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      const end = m.index + m[0].length;
      if (isBoundary(text, m.index) && isBoundary(text, end)) return m[0];
      regex.lastIndex = m.index + 1;
    }
    return undefined;
  }
}

/**
 * Calls `visit` with each maximal run of (Unicode) word characters, in text order, until it
 * returns true. Scanned by hand: a regex loop over a Unicode class overflows V8's backtracking
 * stack on a megabyte-long run, and no object is made per run.
 */
export function forEachWordRun(text: string, visit: (start: number, end: number) => boolean | undefined): void {
  let start = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const word = c < 0x80 ? (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f : isWordChar(text, i);
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (visit(start, i)) return;
      start = -1;
    }
  }
  if (start >= 0) visit(start, n);
}
