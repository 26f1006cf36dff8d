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
import { BOUNDARY, WordSearch, escapeRegex, widen, wordRuns } from './word-regex.js';

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
const URL_SOURCE = `${BOUNDARY}(?:http|ftp)s?://${HOST}(?::[0-9]{1,5})?(?:/[a-zA-Z0-9\\-._?,'/\\\\+&%$#=~]*)?`;
const IOC_PATTERNS: Array<{ label: string; regex: RegExp }> = [
  { label: 'URL', regex: new RegExp(URL_SOURCE, 'gu') },
  { label: 'IPv4 address', regex: new RegExp(IPV4, 'gu') },
  // olevba also has an e-mail pattern, but a typo makes it need a backspace after the address, so it never matches; left out.
  { label: 'Executable file name', regex: new RegExp(`${BOUNDARY}${widen('\\w+')}\\.(?:${EXECUTABLE_EXTENSIONS.join('|')})${BOUNDARY}`, 'giu') },
];

const HEX_STRING = /(?:[0-9A-Fa-f]{2}){4,}/g;
const BASE64_STRING = /"(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=|[A-Za-z0-9+/][AQgw]==)?"/g;
const NOT_ONLY_HEX = /[G-Zg-z]/;
/** Python's string.printable: ASCII letters, digits, punctuation and whitespace (tab to CR). */
function isPrintable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x20 && c <= 0x7e) || (c >= 0x09 && c <= 0x0d))) return false;
  }
  return true;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
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
  const ascii = isAscii(text);
  const lower = ascii ? text.toLowerCase() : '';
  let runs: string[] | undefined;
  const found: Finding[] = [];
  for (const m of matchers) {
    let hit: string | undefined;
    if ('suffix' in m) {
      runs ??= [...wordRuns(text)].map((r) => r[0]);
      hit = runs.find((r) => r.length > m.suffix.length && r.toLowerCase().endsWith(m.suffix));
    } else if (!(ascii && m.needle !== undefined && !lower.includes(m.needle))) {
      hit = m.search.first(text);
    }
    if (hit !== undefined) found.push(withObfuscation({ type, keyword: hit, description: m.description }, obfuscation));
  }
  return found;
}

function withObfuscation(f: Finding, obfuscation: string | undefined): Finding {
  return obfuscation === undefined ? f : { ...f, obfuscation };
}

function iocs(text: string, obfuscation?: string): Finding[] {
  const found: Finding[] = [];
  const seen = new Set<string>();
  for (const { label, regex } of IOC_PATTERNS) {
    for (const m of text.matchAll(regex)) {
      const value = m[0];
      if (seen.has(value) || NAMESPACE_URL_PREFIXES.some((p) => value.startsWith(p))) continue;
      seen.add(value);
      found.push(withObfuscation({ type: 'IOC', keyword: value, description: label }, obfuscation));
    }
  }
  return found;
}

function unhex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function distinct(matches: IterableIterator<RegExpMatchArray>): string[] {
  return [...new Set([...matches].map((m) => m[0]))];
}

export interface AnalysisOptions {
  /** XLM findings olevba adds after its scan (an Excel 4.0 macro sheet). */
  xlmMacroSheets: boolean;
}

export function analyse(allCode: string, options: AnalysisOptions): Finding[] {
  const code = collapseContinuations(allCode);
  const hexStrings = distinct(code.matchAll(HEX_STRING)).map((encoded) => ({ encoded, decoded: utf8.decode(unhex(encoded)) }));
  const reversed = code.toLowerCase().includes('strreverse');
  const base64Strings = distinct(code.matchAll(BASE64_STRING))
    .map((quoted) => quoted.slice(1, -1))
    .filter((v) => NOT_ONLY_HEX.test(v) && !BASE64_ALLOWED_WORDS.has(v.toLowerCase()))
    .map((encoded) => ({ encoded, decoded: utf8.decode(Buffer.from(encoded, 'base64')) }));

  const join = (parts: string[]) => parts.map((p) => `\n${p}`).join('');
  const passes: Array<[string, string | undefined]> = [
    [code, undefined],
    [join(hexStrings.map((h) => h.decoded)), 'Hex'],
    [reversed ? join(hexStrings.map((h) => [...h.decoded].reverse().join(''))) : '', 'Hex+StrReverse'],
    [reversed ? join(hexStrings.map((h) => utf8.decode(unhex([...h.encoded].reverse().join(''))))) : '', 'StrReverse+Hex'],
    [join(base64Strings.map((b) => b.decoded)), 'Base64'],
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
  if (hexStrings.length > 0) suspicious.push({ type: 'Suspicious', keyword: 'Hex Strings', description: 'hex-encoded strings, which may hide text' });
  if (base64Strings.length > 0) suspicious.push({ type: 'Suspicious', keyword: 'Base64 Strings', description: 'Base64-encoded strings, which may hide text' });

  const findings = [...firstOfEach(autoexec), ...firstOfEach(suspicious), ...firstOfEach(indicators)];
  for (const h of hexStrings) {
    if (isPrintable(h.decoded)) findings.push({ type: 'Hex String', keyword: h.decoded, description: 'decoded hex string', encoded: h.encoded });
  }
  for (const b of base64Strings) {
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
