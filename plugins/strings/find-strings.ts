/** One run of printable characters found in the payload. */
export interface FoundString {
  /** Byte offset of the first character in the payload. */
  offset: number;
  encoding: 'ascii' | 'utf-16le';
  value: string;
}

export interface FindLimits {
  minLength: number;
  /** Stop after this many strings. */
  maxStrings: number;
  /** Stop once the characters kept reach this many. */
  maxChars: number;
}

export interface FindOutcome {
  strings: FoundString[];
  /** Offset of the first string left out because a limit was reached; undefined: none was. */
  stoppedAt: number | undefined;
}

/** GNU strings' STRING_ISGRAPHIC in the C locale: tab or a printable 7-bit character. */
const isGraphic = (c: number) => c === 0x09 || (c >= 0x20 && c <= 0x7e);

/**
 * Runs of at least `minLength` graphic characters, each `width` bytes wide (1: ASCII, 2: UTF-16LE
 * with a zero high byte), the way binutils' `strings -a` walks a file: a character that is not
 * graphic restarts the search at its next byte, not at the next character, so UTF-16 strings at
 * odd offsets are found too.
 */
export function findStrings(bytes: Uint8Array, width: 1 | 2, limits: FindLimits): FindOutcome {
  const encoding = width === 1 ? 'ascii' : 'utf-16le';
  const strings: FoundString[] = [];
  let chars = 0;
  const end = bytes.length - width + 1;
  const charAt = (at: number) => (width === 1 ? bytes[at]! : bytes[at + 1] === 0 ? bytes[at]! : -1);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < end) {
    const start = at;
    let length = 0;
    while (at < end && isGraphic(charAt(at))) {
      at += width;
      length += 1;
    }
    if (length >= limits.minLength) {
      if (strings.length >= limits.maxStrings || chars + length > limits.maxChars) return { strings, stoppedAt: start };
      const value = text.toString(width === 1 ? 'latin1' : 'utf16le', start, start + width * length);
      strings.push({ offset: start, encoding, value });
      chars += length;
    }
    // The character that ended the run is retried from its second byte, as GNU strings does.
    at = start + width * length + 1;
  }
  return { strings, stoppedAt: undefined };
}
