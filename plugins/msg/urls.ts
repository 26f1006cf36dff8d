const URL_PATTERN = /\b(?:https?|ftp):\/\/[^\s"'<>()\\{}|^`]+/gi;

/** Distinct http(s)/ftp URLs in `texts`, in order of first appearance, at most `max`. */
export function findUrls(texts: (string | undefined)[], max: number): string[] {
  const seen = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    for (const m of text.matchAll(URL_PATTERN)) {
      if (seen.size >= max) return [...seen];
      seen.add(m[0].replace(/[.,;:!?]+$/, '').replace(/&amp;/g, '&'));
    }
  }
  return [...seen];
}
