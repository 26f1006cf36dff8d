import { textDecoder } from 'rxstoq';

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
    return textDecoder(label);
  } catch {
    return textDecoder('windows-1252');
  }
}

/** ANSI code pages of the Windows locales ([MS-LCID]) whose code page is not 1252. */
const LOCALE_CODEPAGES: Record<number, number> = {
  0x0411: 932, // ja-JP
  0x0804: 936, // zh-CN
  0x1004: 936, // zh-SG
  0x0404: 950, // zh-TW
  0x0c04: 950, // zh-HK
  0x0412: 949, // ko-KR
  0x041e: 874, // th-TH
  0x042a: 1258, // vi-VN
  0x0419: 1251, // ru-RU
  0x0422: 1251, // uk-UA
  0x0402: 1251, // bg-BG
  0x0c1a: 1251, // sr-Cyrl
  0x0423: 1251, // be-BY
  0x0408: 1253, // el-GR
  0x041f: 1254, // tr-TR
  0x040d: 1255, // he-IL
  0x0401: 1256, // ar-SA
  0x0429: 1256, // fa-IR
  0x0405: 1250, // cs-CZ
  0x0415: 1250, // pl-PL
  0x040e: 1250, // hu-HU
  0x041a: 1250, // hr-HR
  0x041b: 1250, // sk-SK
  0x0424: 1250, // sl-SI
  0x0418: 1250, // ro-RO
  0x0425: 1257, // et-EE
  0x0426: 1257, // lv-LV
  0x0427: 1257, // lt-LT
};

/**
 * The code page of a message's PT_STRING8 values: PR_MESSAGE_CODEPAGE, else the ANSI code page of
 * PR_MESSAGE_LOCALE_ID, else PR_INTERNET_CPID when it is a Windows code page, else 1252.
 * PR_INTERNET_CPID alone is not enough: Outlook sets it to the MIME charset (50220, iso-2022-jp,
 * for Japanese mail) while the strings are stored in the locale's code page (932).
 */
export function ansiCodepage(messageCodepage?: number, localeId?: number, internetCpid?: number): number {
  if (messageCodepage !== undefined) return messageCodepage;
  if (localeId !== undefined) return LOCALE_CODEPAGES[localeId & 0xffff] ?? 1252;
  if (
    internetCpid !== undefined &&
    ((internetCpid >= 874 && internetCpid <= 950) || (internetCpid >= 1250 && internetCpid <= 1258) || internetCpid === 65001)
  ) {
    return internetCpid;
  }
  return 1252;
}
