/**
 * Text in a property set's code page. Windows-1252 is decoded by hand because Node's TextDecoder
 * (small ICU) turns 0x80-0x9F into C1 controls instead of € „ … and friends.
 */

const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

const LABELS: Record<number, string> = {
  874: 'windows-874',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
  1200: 'utf-16le',
  1201: 'utf-16be',
  10000: 'macintosh',
  20866: 'koi8-r',
  21866: 'koi8-u',
  28591: 'iso-8859-1',
  28592: 'iso-8859-2',
  28595: 'iso-8859-5',
  28597: 'iso-8859-7',
  28599: 'iso-8859-9',
  65001: 'utf-8',
};

function decodeCp1252(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b);
  return s;
}

/** Decodes bytes in a Windows code page; unknown code pages fall back to Windows-1252. */
export function decodeCodePage(bytes: Uint8Array, codepage: number | null): string {
  const label = codepage === null ? undefined : codepage >= 1250 && codepage <= 1258 && codepage !== 1252 ? `windows-${codepage}` : LABELS[codepage];
  if (label) {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // A code page this Node's ICU lacks: Windows-1252 below.
    }
  }
  return decodeCp1252(bytes);
}
