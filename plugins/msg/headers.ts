export interface ParsedHeaders {
  /** Every header by lowercased name, values unfolded, in order of appearance. */
  headers: Record<string, string[]>;
  /** The Received chain, newest first (as the headers list it). */
  received: string[];
}

/**
 * PR_TRANSPORT_MESSAGE_HEADERS as RFC 5322 header fields: continuation lines are unfolded, names
 * lowercased. Bounded by `maxFields`; a line with no colon ends the header section.
 */
export function parseHeaders(text: string, maxFields: number): ParsedHeaders {
  const headers: Record<string, string[]> = Object.create(null);
  const lines = text.split(/\r?\n/);
  let count = 0;
  let current: { name: string; value: string } | undefined;
  const flush = () => {
    if (!current || count >= maxFields) return;
    count++;
    (headers[current.name] ??= []).push(current.value.trim());
  };
  for (const line of lines) {
    if (/^[ \t]/.test(line) && current) {
      current.value += ` ${line.trim()}`;
      continue;
    }
    flush();
    current = undefined;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      if (line.trim() === '' && count > 0) break;
      continue;
    }
    current = { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) };
  }
  flush();
  return { headers: { ...headers }, received: headers['received'] ?? [] };
}
