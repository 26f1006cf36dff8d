/** What `new TextDecoder(label)` returns (the global is a value only in this project's type libraries). */
export type Decoder = { decode(bytes: Uint8Array): string };

/** Windows code pages with a WHATWG encoding label; anything else falls back to windows-1252. */
const LABELS: Record<number, string> = {
  437: 'ibm866',
  866: 'ibm866',
  874: 'windows-874',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
  1200: 'utf-16le',
  1201: 'utf-16be',
  10000: 'macintosh',
  20127: 'windows-1252',
  20866: 'koi8-r',
  21866: 'koi8-u',
  50220: 'iso-2022-jp',
  50221: 'iso-2022-jp',
  50222: 'iso-2022-jp',
  51932: 'euc-jp',
  54936: 'gb18030',
  65001: 'utf-8',
};

/** A decoder for PT_STRING8 values and HTML bodies written in Windows code page `codepage`. */
export function decoderFor(codepage: number | null): Decoder {
  let label = 'windows-1252';
  if (codepage !== null) {
    if (LABELS[codepage]) label = LABELS[codepage]!;
    else if (codepage >= 1250 && codepage <= 1258) label = `windows-${codepage}`;
    else if (codepage >= 28591 && codepage <= 28606) label = `iso-8859-${codepage - 28590}`;
  }
  try {
    return new TextDecoder(label);
  } catch {
    return new TextDecoder('windows-1252');
  }
}
