import type { RuleMatch } from './binding.js';
import type { MetaValue } from './rule-meta.js';
import type { RuleSet } from './compile.js';
import { xorKey } from './xor-key.js';

export interface StringMatch {
  offset: number;
  identifier: string;
  /** The matched bytes, sliced from the payload (the binding's own copy is lossy UTF-8). */
  data: Buffer;
}

export interface MatchDict {
  rule: string;
  namespace: string;
  tags: string[];
  meta: Record<string, unknown>;
  strings: StringMatch[];
}

/** What the binding says about a meta value it could not represent. */
const UNREPRESENTED = 'unknown';

export function allStrings(match: RuleMatch, content: Buffer): StringMatch[] {
  return match.matches.map((m) => ({ offset: m.offset, identifier: m.identifier, data: content.subarray(m.offset, m.offset + m.length) }));
}

/** One match as upstream's dict, with meta values the binding lost restored from the sources. */
export function toMatchDict(match: RuleMatch, content: Buffer, ruleSet: RuleSet, stringsLimit?: number): MatchDict {
  const meta: Record<string, unknown> = { ...(match.meta as Record<string, unknown>) };
  const fromSource = ruleSet.sourceMeta.get(match.ruleIdentifier);
  for (const [key, value] of Object.entries(meta)) {
    if (value === UNREPRESENTED && fromSource && key in fromSource) meta[key] = fromSource[key] as MetaValue;
  }
  const strings = allStrings(match, content);
  return {
    rule: match.ruleIdentifier,
    namespace: match.namespace,
    tags: [...match.tags],
    meta,
    strings: stringsLimit === undefined ? strings : strings.slice(0, stringsLimit),
  };
}

const XOR_PREFIX = 'xor_plaintext_for_string_';

export interface XorFinding {
  offset: number;
  identifier: string;
  key: number[];
}

/**
 * For every `xor_plaintext_for_string_<id>` meta, XOR its plaintext with each match of `$<id>`
 * and report the key; with `firstOnly`, stop at the first key found.
 */
export function findXorKeys(meta: Record<string, unknown>, strings: StringMatch[], firstOnly: boolean): XorFinding[] {
  const plaintexts = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(meta)) {
    if (key.startsWith(XOR_PREFIX) && (typeof value === 'string' || typeof value === 'number')) {
      plaintexts.set(`$${key.slice(XOR_PREFIX.length)}`, Buffer.from(String(value), 'utf8'));
    }
  }
  const found: XorFinding[] = [];
  if (plaintexts.size === 0) return found;
  for (const s of strings) {
    const plaintext = plaintexts.get(s.identifier);
    const key = plaintext && xorKey(plaintext, s.data);
    if (!key) continue;
    found.push({ offset: s.offset, identifier: s.identifier, key });
    if (firstOnly) break;
  }
  return found;
}
