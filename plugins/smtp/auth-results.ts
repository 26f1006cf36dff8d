/** One method's outcome in an Authentication-Results header (RFC 8601). */
export interface AuthResult {
  method: string;
  result: string;
  reason: string | null;
  /** `ptype.property` → value, e.g. `smtp.mailfrom`, `header.d`, `header.from`. */
  properties: Record<string, string>;
}

export interface AuthenticationResults {
  authserv_id: string;
  results: AuthResult[];
}

/** Splits at `sep` outside quoted strings and parentheses. */
function splitOutside(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '\\') cur += s[i++] ?? '';
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (sep === ' ' ? /\s/.test(c) : c === sep)) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

const unquote = (v: string) => (v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v);
const stripComments = (v: string) => v.replace(/\([^()]*\)/g, ' ').trim();

export function parseAuthenticationResults(raw: string): AuthenticationResults {
  const [first = '', ...rest] = splitOutside(raw, ';');
  const results: AuthResult[] = [];
  for (const clause of rest) {
    const tokens = splitOutside(clause, ' ')
      .map(stripComments)
      .filter((t) => t !== '');
    const [mr, ...props] = tokens;
    const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(mr ?? '');
    if (!m) continue;
    const properties: Record<string, string> = {};
    let reason: string | null = null;
    for (const p of props) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const key = p.slice(0, eq).toLowerCase();
      const value = unquote(p.slice(eq + 1));
      if (key === 'reason') reason = value;
      else properties[key] = value;
    }
    results.push({ method: m[1]!.toLowerCase().replace(/\/\d+$/, ''), result: m[2]!.toLowerCase(), reason, properties });
  }
  return { authserv_id: stripComments(first).split(/\s+/)[0] ?? '', results };
}

/** spf, dkim, dmarc (and any other method) → result, from the topmost header that names it. */
export function authSummary(all: AuthenticationResults[]): Record<string, string> {
  const summary: Record<string, string> = {};
  for (const a of all) for (const r of a.results) if (!(r.method in summary)) summary[r.method] = r.result;
  return summary;
}
