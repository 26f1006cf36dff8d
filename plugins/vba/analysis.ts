/**
 * olevba-style analysis of the source of all modules together: auto-run triggers, suspicious
 * keywords, IOCs (URLs, IPv4 addresses, executable file names), hex- and Base64-encoded
 * strings, each keyword also looked for in the decoded strings (the way olevba finds a URL that
 * is written in hex). Each finding keeps the text that matched.
 */
import {
  AUTOEXEC,
  BASE64_ALLOWED_WORDS,
  EXECUTABLE_EXTENSIONS,
  type KeywordGroup,
  NAMESPACE_URL_PREFIXES,
  SUSPICIOUS,
  SUSPICIOUS_CHARACTERS,
} from './keywords.js';
import { WordSearch, escapeRegex, forEachWordRun, isBoundary } from './word-regex.js';

export type FindingType = 'AutoExec' | 'Suspicious' | 'IOC' | 'Hex String' | 'Base64 String';

export interface Finding {
  type: FindingType;
  /** The text that matched (for encoded strings: the decoded text). */
  keyword: string;
  description: string;
  /** How the text was hidden when it was found in a decoded string: Hex, Base64, ... */
  obfuscation?: string;
  /** For encoded strings: the string as written in the code. */
  encoded?: string;
}

type Matcher = { description: string; needle?: string; search: WordSearch } | { description: string; suffix: string };

function compile(groups: KeywordGroup[]): Matcher[] {
  return groups.flatMap((g): Matcher[] => [
    ...(g.words ?? []).map((w) => ({ description: g.description, needle: w.toLowerCase(), search: new WordSearch(escapeRegex(w)) })),
    ...(g.patterns ?? []).map((p) => ({ description: g.description, search: new WordSearch(p) })),
    ...(g.word_suffixes ?? []).map((s) => ({ description: g.description, suffix: `_${s.toLowerCase()}` })),
  ]);
}

const AUTOEXEC_MATCHERS = compile(AUTOEXEC);
const SUSPICIOUS_MATCHERS = compile(SUSPICIOUS);

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])';
const IPV4 = `(?:${OCTET}\\.){3}${OCTET}`;
const HOST = `(?:${IPV4}|(?:[a-zA-Z0-9\\-.]+\\.(?:xn--[a-zA-Z0-9]{4,20}|[a-zA-Z]{2,20})))`;
const URL_SOURCE = `\\b(?:http|ftp)s?://${HOST}(?::[0-9]{1,5})?(?:/[a-zA-Z0-9\\-._?,'/\\\\+&%$#=~]*)?`;
const IOC_PATTERNS: Array<{ label: string; find: (text: string) => string[] }> = [
  // ASCII `\b`, then Python's Unicode boundary checked on each hit.
  {
    label: 'URL',
    find: (text) => (/http|ftp/.test(text) ? [...text.matchAll(new RegExp(URL_SOURCE, 'g'))].filter((m) => isBoundary(text, m.index)).map((m) => m[0]) : []),
  },
  { label: 'IPv4 address', find: (text) => [...text.matchAll(new RegExp(IPV4, 'g'))].map((m) => m[0]) },
  // olevba also has an e-mail pattern, but a typo makes it need a backspace after the address, so it never matches; left out.
  { label: 'Executable file name', find: executableNames },
];

const EXTENSIONS = new Set(EXECUTABLE_EXTENSIONS.map((e) => e.toLowerCase()));

/** A word, a dot and a whole word that is an executable extension: `\b\w+\.(EXE|...)\b`. */
function executableNames(text: string): string[] {
  const names: string[] = [];
  if (!text.includes('.')) return names;
  let prevStart = -1;
  let prevEnd = -1;
  forEachWordRun(text, (start, end) => {
    if (
      prevStart >= 0 &&
      start === prevEnd + 1 &&
      text.charCodeAt(prevEnd) === 0x2e &&
      end - start <= 6 &&
      EXTENSIONS.has(text.slice(start, end).toLowerCase())
    ) {
      names.push(text.slice(prevStart, end));
      // The extension is used up by this match.
      prevStart = -1;
      return false;
    }
    prevStart = start;
    prevEnd = end;
    return false;
  });
  return names;
}

const HEX_RUN = /[0-9A-Fa-f]{8,}/g;
const BASE64_RUN = /"[A-Za-z0-9+/]{4,}(={0,2})"/g;
const BASE64_LAST_OF_ONE_PAD = /[AEIMQUYcgkosw048]/;
const BASE64_LAST_OF_TWO_PADS = /[AQgw]/;
const NOT_ONLY_HEX = /[G-Zg-z]/;
/** Python's string.printable: ASCII letters, digits, punctuation and whitespace (tab to CR). */
function isPrintable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x20 && c <= 0x7e) || (c >= 0x09 && c <= 0x0d))) return false;
  }
  return true;
}

const utf8 = new TextDecoder('utf-8');

/** Long lines split with " _" are joined first, as the VBA editor shows them. */
export function collapseContinuations(code: string): string {
  return code
    .replace(/ _\r\n/g, ' ')
    .replace(/ _\r/g, ' ')
    .replace(/ _\n/g, ' ');
}

function firstMatches(matchers: Matcher[], text: string, type: FindingType, obfuscation?: string): Finding[] {
  // The searches are ASCII-only and case-insensitive, so a hit's lower-case text is in the
  // lower-cased text: a cheap test that skips most keywords.
  const lower = text.toLowerCase();
  let handlers: UnderscoredWord[] | undefined;
  const found: Finding[] = [];
  for (const m of matchers) {
    let hit: string | undefined;
    if ('suffix' in m) {
      handlers ??= underscoredWords(text);
      hit = handlers.find((w) => w.lower.length > m.suffix.length && w.lower.endsWith(m.suffix))?.word;
    } else if (m.needle === undefined || lower.includes(m.needle)) {
      hit = m.search.first(text);
    }
    if (hit !== undefined) found.push(withObfuscation({ type, keyword: hit, description: m.description }, obfuscation));
  }
  return found;
}

export interface UnderscoredWord {
  word: string;
  lower: string;
  start: number;
}

/** Words with an underscore (event handlers are among them), in text order. */
export function underscoredWords(text: string): UnderscoredWord[] {
  const words: UnderscoredWord[] = [];
  if (!text.includes('_')) return words;
  forEachWordRun(text, (start, end) => {
    const i = text.indexOf('_', start);
    if (i >= 0 && i < end) {
      const word = text.slice(start, end);
      words.push({ word, lower: word.toLowerCase(), start });
    }
    return false;
  });
  return words;
}

function withObfuscation(f: Finding, obfuscation: string | undefined): Finding {
  return obfuscation === undefined ? f : { ...f, obfuscation };
}

function iocs(text: string, obfuscation?: string): Finding[] {
  const found: Finding[] = [];
  const seen = new Set<string>();
  for (const { label, find } of IOC_PATTERNS) {
    for (const value of find(text)) {
      if (seen.has(value) || NAMESPACE_URL_PREFIXES.some((p) => value.startsWith(p))) continue;
      seen.add(value);
      found.push(withObfuscation({ type: 'IOC', keyword: value, description: label }, obfuscation));
    }
  }
  return found;
}

function unhex(hex: string): Uint8Array {
  return Buffer.from(hex, 'hex');
}

/**
 * olevba's hex strings: 8 or more hex digits, in pairs. Found as runs of hex digits, the last
 * odd one left out: the same strings as its pattern of repeated pairs, without the regex
 * engine's backtracking stack, which a megabyte-long run overflows.
 */
function hexStrings(code: string): string[] {
  return [...new Set([...code.matchAll(HEX_RUN)].map((m) => m[0].slice(0, m[0].length & ~1)))];
}

/**
 * olevba's Base64 strings: a quoted run of Base64 characters, a multiple of four long, or one or
 * two short with '=' padding after the character that padding allows. One quoted run is
 * checked at a time (no repeated group the regex engine would backtrack through).
 */
function base64Strings(code: string): string[] {
  const found = new Set<string>();
  const regex = new RegExp(BASE64_RUN.source, 'g');
  for (let m = regex.exec(code); m !== null; m = regex.exec(code)) {
    const value = m[0].slice(1, -1);
    const pads = m[1]!.length;
    const body = value.length - pads;
    const last = value[body - 1]!;
    const ok =
      pads === 0 ? body % 4 === 0 : pads === 1 ? body % 4 === 3 && BASE64_LAST_OF_ONE_PAD.test(last) : body % 4 === 2 && BASE64_LAST_OF_TWO_PADS.test(last);
    if (ok) found.add(value);
    else regex.lastIndex = m.index + m[0].length - 1; // the closing quote may open the next string
  }
  return [...found];
}

export interface AnalysisOptions {
  /** XLM findings olevba adds after its scan (an Excel 4.0 macro sheet). */
  xlmMacroSheets: boolean;
}

export function analyse(allCode: string, options: AnalysisOptions): Finding[] {
  const code = collapseContinuations(allCode);
  const hexes = hexStrings(code).map((encoded) => ({ encoded, decoded: utf8.decode(unhex(encoded)) }));
  const reversed = code.toLowerCase().includes('strreverse');
  const base64s = base64Strings(code)
    .filter((v) => NOT_ONLY_HEX.test(v) && !BASE64_ALLOWED_WORDS.has(v.toLowerCase()))
    .map((encoded) => ({ encoded, decoded: utf8.decode(Buffer.from(encoded, 'base64')) }));

  const join = (parts: string[]) => parts.map((p) => `\n${p}`).join('');
  const passes: Array<[string, string | undefined]> = [
    [code, undefined],
    [join(hexes.map((h) => h.decoded)), 'Hex'],
    [reversed ? join(hexes.map((h) => [...h.decoded].reverse().join(''))) : '', 'Hex+StrReverse'],
    [reversed ? join(hexes.map((h) => utf8.decode(unhex([...h.encoded].reverse().join(''))))) : '', 'StrReverse+Hex'],
    [join(base64s.map((b) => b.decoded)), 'Base64'],
  ];
  const autoexec: Finding[] = [];
  const suspicious: Finding[] = [];
  const indicators: Finding[] = [];
  for (const [text, obfuscation] of passes) {
    autoexec.push(...firstMatches(AUTOEXEC_MATCHERS, text, 'AutoExec', obfuscation));
    suspicious.push(...firstMatches(SUSPICIOUS_MATCHERS, text, 'Suspicious', obfuscation));
    if (obfuscation === undefined) {
      for (const g of SUSPICIOUS_CHARACTERS)
        for (const w of g.words ?? []) if (text.includes(w)) suspicious.push({ type: 'Suspicious', keyword: w, description: g.description });
    }
    indicators.push(...iocs(text, obfuscation));
  }
  if (hexes.length > 0) suspicious.push({ type: 'Suspicious', keyword: 'Hex Strings', description: 'hex-encoded strings, which may hide text' });
  if (base64s.length > 0) suspicious.push({ type: 'Suspicious', keyword: 'Base64 Strings', description: 'Base64-encoded strings, which may hide text' });

  const findings = [...firstOfEach(autoexec), ...firstOfEach(suspicious), ...firstOfEach(indicators)];
  for (const h of hexes) {
    if (isPrintable(h.decoded)) findings.push({ type: 'Hex String', keyword: h.decoded, description: 'decoded hex string', encoded: h.encoded });
  }
  for (const b of base64s) {
    if (isPrintable(b.decoded)) findings.push({ type: 'Base64 String', keyword: b.decoded, description: 'decoded Base64 string', encoded: b.encoded });
  }
  if (options.xlmMacroSheets) findings.push({ type: 'Suspicious', keyword: 'XLM macro', description: 'an Excel 4.0 (XLM) macro sheet, which may hold code' });
  return findings;
}

/** One finding per matched text, the first one found. */
function firstOfEach(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (seen.has(f.keyword)) return false;
    seen.add(f.keyword);
    return true;
  });
}
