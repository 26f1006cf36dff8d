/** Shannon entropy in bits per character (UTF-16 code units) of `text`. */
export function entropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Lines longer than `long`, and the longest one. */
export function lineLengths(source: string, long: number): { long_lines: number; longest_line: number; lines: number } {
  let start = 0;
  let lines = 0;
  let longLines = 0;
  let longest = 0;
  while (start <= source.length) {
    let end = source.indexOf('\n', start);
    if (end < 0) end = source.length;
    const n = end - start;
    lines++;
    if (n > long) longLines++;
    if (n > longest) longest = n;
    start = end + 1;
  }
  return { long_lines: longLines, longest_line: longest, lines };
}

const URL = /\b(?:https?|ftp|wss?):\/\/[^\s"'<>\\`^{}|]+/gi;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])/g;

/** URLs and IPv4 addresses in `texts`, deduplicated in order of appearance, at most `max` of each. */
export function findIocs(texts: Iterable<string>, max: number): { urls: string[]; ips: string[] } {
  const urls = new Set<string>();
  const ips = new Set<string>();
  for (const t of texts) {
    for (const m of t.matchAll(URL)) if (urls.size < max) urls.add(m[0].replace(/[.,;:)\]]+$/, ''));
    for (const m of t.matchAll(IPV4)) if (ips.size < max) ips.add(m[0]);
  }
  return { urls: [...urls], ips: [...ips] };
}
