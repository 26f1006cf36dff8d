/** One hop of the Received chain, best-effort (RFC 5321 §4.4 clauses; real stamps vary a lot). */
export interface ReceivedHop {
  from: string | null;
  /** The parenthesised part after the `from` name (reverse DNS and address, as the receiver saw them). */
  from_comment: string | null;
  /** The first IPv4/IPv6 address in brackets in the `from` clause. */
  from_ip: string | null;
  by: string | null;
  via: string | null;
  with: string | null;
  id: string | null;
  for: string | null;
  /** The stamp's date in ISO 8601 (UTC), null when missing or unreadable. */
  date: string | null;
  raw: string;
}

const KEYWORDS = new Set(['from', 'by', 'via', 'with', 'id', 'for']);

/** RFC 5322 date-time to ISO 8601 UTC; null when it does not parse. */
export function isoDate(text: string | undefined): string | null {
  if (!text) return null;
  const cleaned = text
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const ms = Date.parse(cleaned);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Words of `s` outside parentheses, each with the text up to the next such word. */
function clauses(s: string): Map<string, string> {
  const out = new Map<string, string>();
  let depth = 0;
  let current: string | undefined;
  let startOfValue = 0;
  const close = (end: number) => {
    if (current !== undefined && !out.has(current)) out.set(current, s.slice(startOfValue, end).trim());
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (i === 0 || /\s/.test(s[i - 1]!))) {
      const word = /^[a-z]+/i.exec(s.slice(i, i + 5))?.[0]?.toLowerCase();
      if (word && KEYWORDS.has(word) && /\s/.test(s[i + word.length] ?? '')) {
        close(i);
        current = word;
        startOfValue = i + word.length;
        i += word.length;
      }
    }
  }
  close(s.length);
  return out;
}

function head(clause: string | undefined): string | null {
  if (clause === undefined) return null;
  const t = /^[^\s(]+/.exec(clause)?.[0];
  return t ?? (clause || null);
}

export function parseReceived(raw: string): ReceivedHop {
  const semi = raw.lastIndexOf(';');
  const body = semi < 0 ? raw : raw.slice(0, semi);
  const date = semi < 0 ? null : isoDate(raw.slice(semi + 1));
  const c = clauses(body);
  const from = c.get('from');
  const comment = from === undefined ? undefined : /\((.*)\)/s.exec(from)?.[1];
  const ip = from === undefined ? undefined : /\[(?:IPv6:)?([0-9a-fA-F:.]+)\]/.exec(from)?.[1];
  const forClause = c.get('for');
  return {
    from: head(from),
    from_comment: comment?.trim() ?? null,
    from_ip: ip ?? null,
    by: head(c.get('by')),
    via: head(c.get('via')),
    with: head(c.get('with')),
    id: head(c.get('id'))?.replace(/^<(.*)>$/, '$1') ?? null,
    for: forClause === undefined ? null : (/^<?([^\s<>;]+)>?/.exec(forClause)?.[1] ?? null),
    date,
    raw,
  };
}
