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

function isWordChar(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const code = text.charCodeAt(index);
  if (code < 0x80) return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
  // A low surrogate: look at the whole code point it ends.
  const start = code >= 0xdc00 && code <= 0xdfff && index > 0 ? index - 1 : index;
  return WORD_CHAR.test(String.fromCodePoint(text.codePointAt(start)!));
}

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

/** Maximal runs of (Unicode) word characters, in text order. */
export function wordRuns(text: string): IterableIterator<RegExpMatchArray> {
  return text.matchAll(new RegExp(`${WORD}+`, 'gu'));
}
