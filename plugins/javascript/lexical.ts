import { tokenizer } from 'acorn';
import { Tally } from './tally.js';

export interface LexicalFindings {
  tokens: number;
  /** Where the tokenizer gave up (the first lexical error), null when it read to the end. */
  stopped_at: number | null;
  stop_reason: string | null;
  identifiers: number;
  unique_identifiers: number;
  identifier_chars: number;
  hex_style_identifiers: number;
  keywords: Tally;
  /** `var`, `let`, `const`, `function` and `class` tokens. */
  declarations: number;
  strings: string[];
  /** Characters of string and template literals as written, and how many of them are \x / \u escapes. */
  string_raw_chars: number;
  escape_chars: number;
}

const DECLARING = new Set(['var', 'const', 'function', 'class']);
const HEX_STYLE = /^_0x[0-9a-f]+$/i;
const ESCAPES = /\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]+\})/g;

/**
 * acorn's tokenizer, which is iterative: it reads sources the parser cannot (nesting too deep)
 * and is the one source of identifier, keyword and escape statistics.
 */
export function readTokens(source: string, maxNames: number): LexicalFindings {
  const f: LexicalFindings = {
    tokens: 0,
    stopped_at: null,
    stop_reason: null,
    identifiers: 0,
    unique_identifiers: 0,
    identifier_chars: 0,
    hex_style_identifiers: 0,
    keywords: new Tally(maxNames),
    declarations: 0,
    strings: [],
    string_raw_chars: 0,
    escape_chars: 0,
  };
  const names = new Set<string>();
  let last = 0;
  try {
    for (const tok of tokenizer(source, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true })) {
      f.tokens++;
      // acorn's Token type omits the value its tokenizer sets.
      const value = (tok as unknown as { value: unknown }).value;
      last = tok.end;
      const label = tok.type.label;
      if (tok.type.keyword !== undefined) {
        f.keywords.add(tok.type.keyword);
        if (DECLARING.has(tok.type.keyword)) f.declarations++;
      } else if (label === 'name') {
        const name = value as string;
        if (name === 'let') f.declarations++;
        f.identifiers++;
        f.identifier_chars += name.length;
        if (HEX_STYLE.test(name)) f.hex_style_identifiers++;
        names.add(name);
      } else if (label === 'string' || label === 'template') {
        if (typeof value === 'string') f.strings.push(value);
        const raw = source.slice(tok.start, tok.end);
        f.string_raw_chars += raw.length;
        for (const m of raw.matchAll(ESCAPES)) f.escape_chars += m[0].length;
      }
    }
  } catch (err) {
    f.stopped_at = last;
    f.stop_reason = err instanceof Error ? err.message : String(err);
  }
  f.unique_identifiers = names.size;
  return f;
}
