/**
 * Text in a VBA project (module source, names) is in the project's code page (PROJECTCODEPAGE).
 * Decoded with the WHATWG decoders Node ships; unknown code pages fall back to Windows-1252, the
 * usual one.
 */

const LABELS: Record<number, string> = {
  866: 'ibm866',
  874: 'windows-874',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
  1200: 'utf-16le',
  1201: 'utf-16be',
  1250: 'windows-1250',
  1251: 'windows-1251',
  1252: 'windows-1252',
  1253: 'windows-1253',
  1254: 'windows-1254',
  1255: 'windows-1255',
  1256: 'windows-1256',
  1257: 'windows-1257',
  1258: 'windows-1258',
  10000: 'macintosh',
  10007: 'x-mac-cyrillic',
  20866: 'koi8-r',
  21866: 'koi8-u',
  28591: 'windows-1252',
  28592: 'iso-8859-2',
  28593: 'iso-8859-3',
  28594: 'iso-8859-4',
  28595: 'iso-8859-5',
  28596: 'iso-8859-6',
  28597: 'iso-8859-7',
  28598: 'iso-8859-8',
  28599: 'windows-1254',
  28603: 'iso-8859-13',
  28605: 'iso-8859-15',
  51932: 'euc-jp',
  54936: 'gb18030',
  65001: 'utf-8',
};

/**
 * Windows-1252's 0x80-0x9F, where Node 20's decoder wrongly gives Latin-1's C1 controls. The five
 * bytes Windows leaves undefined become U+FFFD, as Python's cp1252 codec (olevba) gives them.
 */
const CP1252_HIGH = '€\ufffd‚ƒ„…†‡ˆ‰Š‹Œ\ufffdŽ\ufffd\ufffd‘’“”•–—˜™š›œ\ufffdžŸ';
const C1 = /[\x80-\x9f]/g;

export interface CodePageDecoder {
  code_page: number;
  encoding: string;
  decode(bytes: Uint8Array): string;
}

export function decoderFor(codePage: number | undefined): CodePageDecoder {
  const cp = codePage ?? 1252;
  const encoding = LABELS[cp] ?? 'windows-1252';
  const decoder = new TextDecoder(encoding);
  const decode =
    encoding === 'windows-1252'
      ? (bytes: Uint8Array) => decoder.decode(bytes).replace(C1, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!)
      : (bytes: Uint8Array) => decoder.decode(bytes);
  return { code_page: cp, encoding, decode };
}

const utf16 = new TextDecoder('utf-16le');

export function decodeUtf16(bytes: Uint8Array): string {
  return utf16.decode(bytes);
}
