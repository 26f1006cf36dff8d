import { addressParser, decodeWords } from 'postal-mime';

export interface MailAddress {
  name: string;
  address: string;
}

/** Removes RFC 5322 comments (nested, with quoted-pairs) outside quoted strings; Python drops them too. */
function stripComments(s: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += c + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth === 0 && c === '"') quoted = !quoted;
    if (!quoted && c === '(') {
      depth++;
      continue;
    }
    if (!quoted && depth > 0 && c === ')') {
      depth--;
      continue;
    }
    if (depth === 0) out += c;
  }
  return out;
}

/**
 * An address-list header as mailboxes (groups flattened), display names RFC 2047-decoded,
 * comments dropped. A lone word without `@` (`Bcc: undisclosed`) is an address, as Python reads it.
 */
export function parseAddresses(raw: string | undefined): MailAddress[] {
  if (raw === undefined) return [];
  const out: MailAddress[] = [];
  for (const a of addressParser(raw.includes('(') ? stripComments(raw) : raw, { flatten: true })) {
    if (a.group) continue;
    const name = a.name.includes('=?') ? decodeWords(a.name) : a.name;
    if (a.address === '' && /^[^\s<>]+$/.test(name)) out.push({ name: '', address: name });
    else if (a.address !== '' || name !== '') out.push({ name, address: a.address });
  }
  return out;
}
