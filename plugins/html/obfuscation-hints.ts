import type { HtmlObfuscation } from './html-result.js';

/** Patterns counted in inline script text and event-handler code; cheap regular scans, not parsing (the javascript plugin parses). */
const PATTERNS: [keyof HtmlObfuscation, RegExp][] = [
  ['document_write', /document\s*\.\s*write(?:ln)?\s*\(/g],
  ['unescape', /\bunescape\s*\(/g],
  ['eval', /\beval\s*\(/g],
  ['from_char_code', /fromCharCode/g],
];

/**
 * Long runs of the base64 alphabet: packed payloads hidden in scripts or attributes. The lookbehind
 * starts a match only where a run starts, so runs just short of 256 are not rescanned from each of
 * their characters.
 */
const BASE64_BLOB = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{256,}={0,2}/g;

export function emptyHints(): HtmlObfuscation {
  return { document_write: 0, unescape: 0, eval: 0, from_char_code: 0, long_base64_blobs: 0, huge_inline_scripts: 0, largest_inline_script: 0 };
}

function count(text: string, re: RegExp): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text) !== null) n++;
  return n;
}

/** Adds what `code` (inline script or handler text) shows to `hints`. */
export function scanCode(hints: HtmlObfuscation, code: string): void {
  for (const [key, re] of PATTERNS) hints[key] += count(code, re);
  hints.long_base64_blobs += count(code, BASE64_BLOB);
}

/** Attribute values other than data: URIs (whose base64 is expected) can carry blobs too. */
export function scanAttribute(hints: HtmlObfuscation, value: string): void {
  if (value.length >= 256) hints.long_base64_blobs += count(value, BASE64_BLOB);
}
