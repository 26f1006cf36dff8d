const URL_RE = /\b(?:https?|ftp|hxxps?):\/\/[^\s<>"'`{}|\\^]+/gi;
const HREF_RE = /\b(?:href|src|action)\s*=\s*(?:"([^"]{0,2048})"|'([^']{0,2048})')/gi;

function tidy(url: string): string {
  return url.replace(/&amp;/gi, '&').replace(/[.,;:!?)\]>]+$/, '');
}

/**
 * URLs in a text or HTML body: scheme-prefixed URLs anywhere, and (for HTML) href/src/action
 * attribute values that are absolute URLs. In order of appearance, each once, at most `max`.
 */
export function findUrls(texts: string[], max: number): { urls: string[]; truncated: boolean } {
  const seen = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(HREF_RE)) {
      const v = (m[1] ?? m[2] ?? '').trim();
      if (/^(?:https?|ftp):\/\//i.test(v)) seen.add(tidy(v));
      if (seen.size > max) break;
    }
    for (const m of text.matchAll(URL_RE)) {
      seen.add(tidy(m[0]));
      if (seen.size > max) break;
    }
  }
  const urls = [...seen];
  return { urls: urls.slice(0, max), truncated: urls.length > max };
}
