/** A base is only used when it is absolute: a relative base cannot be resolved without the page's own address, which a payload does not carry. */
export function absoluteBase(href: string | null): URL | null {
  if (href === null) return null;
  try {
    return new URL(href.trim());
  } catch {
    return null;
  }
}

/** `href` resolved against `base`; the value as written when there is no usable base or it does not resolve. */
export function resolveUrl(href: string, base: URL | null): string {
  if (base === null) return href;
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return href;
  }
}

/** An absolute or protocol-relative http(s) URL, normalised (resolved against `base`, or taken as http: without one); null for anything else. */
export function absoluteHttpUrl(url: string, base: URL | null): URL | null {
  if (!/^\s*(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(url)) return null;
  try {
    const u = new URL(url.trim(), base ?? 'http://relative.invalid/');
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}
