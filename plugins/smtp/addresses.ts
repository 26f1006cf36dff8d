import { addressParser, decodeWords } from 'postal-mime';

export interface MailAddress {
  name: string;
  address: string;
}

/** An address-list header as mailboxes (groups flattened), display names RFC 2047-decoded. */
export function parseAddresses(raw: string | undefined): MailAddress[] {
  if (raw === undefined) return [];
  const out: MailAddress[] = [];
  for (const a of addressParser(raw, { flatten: true })) {
    if (a.group) continue;
    out.push({ name: a.name.includes('=?') ? decodeWords(a.name) : a.name, address: a.address });
  }
  return out;
}
