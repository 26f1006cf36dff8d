/**
 * Windows-1252's 0x80–0x9F as the WHATWG Encoding Standard maps them (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž
 * ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ; the five bytes Windows leaves undefined stay C1 controls).
 */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const C1 = /[\x80-\x9f]/g;
const WINDOWS_1252_LABELS = new Set(['windows-1252', 'cp1252', 'x-cp1252']);

/** What `textDecoder` returns: the part of `TextDecoder` plugins use. */
export interface TextDecoderLike {
  readonly encoding: string;
  decode(bytes: Uint8Array): string;
}

const windows1252: TextDecoderLike = {
  encoding: 'windows-1252',
  decode(bytes: Uint8Array): string {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      .toString('latin1')
      .replace(C1, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
  },
};

/**
 * `new TextDecoder(label, options)`, except for Windows-1252: Node 20's decoder for it is
 * ISO-8859-1 and gives C1 controls for 0x80–0x9F, so “quotes”, dashes and € in legacy email,
 * Office strings and web pages come out wrong. Labels that name Windows-1252 itself
 * (`windows-1252`, `cp1252`, `x-cp1252`) decode here as Windows-1252; `latin1` / `iso-8859-1` /
 * `ascii` keep Node's ISO-8859-1 reading (as Python reads them), not the WHATWG alias. Throws a
 * RangeError for an unknown label, as `TextDecoder` does.
 *
 * @example
 * textDecoder('windows-1252').decode(Uint8Array.from([0x93, 0x80, 0x94])); // '“€”'
 */
export function textDecoder(label: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): TextDecoderLike {
  if (WINDOWS_1252_LABELS.has(label.trim().toLowerCase())) return windows1252;
  return new TextDecoder(label, options);
}
