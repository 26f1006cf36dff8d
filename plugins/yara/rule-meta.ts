import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bytesToText } from 'rxstoq';

export type MetaValue = string | number | boolean;

/**
 * Rule meta values read from the rule sources themselves, by rule name.
 *
 * Why: the YARA-X binding reports boolean metas and string metas holding escapes (`"\x41Neato"`)
 * as the string "unknown". Reading the sources gives those values back; nothing else is taken
 * from here. Only what a meta section needs is tokenised: comments, strings, regexes and hex
 * strings are skipped whole so that braces and slashes inside them cannot mislead the parser.
 */
export function readRuleMeta(file: string, includeDirs: string[] = [dirname(file)]): Map<string, Record<string, MetaValue>> {
  return readRuleTree(file, includeDirs).meta;
}

/** The meta values, and every file read: the rule file first, then its includes as they are met. */
export function readRuleTree(file: string, includeDirs: string[] = [dirname(file)]): { meta: Map<string, Record<string, MetaValue>>; files: string[] } {
  const meta = new Map<string, Record<string, MetaValue>>();
  const seen = new Set<string>();
  collect(resolve(file), includeDirs, meta, seen);
  return { meta, files: [...seen] };
}

function collect(file: string, includeDirs: string[], out: Map<string, Record<string, MetaValue>>, seen: Set<string>): void {
  if (seen.has(file)) return;
  seen.add(file);
  const tokens = tokenize(readFileSync(file, 'latin1'));
  let i = 0;
  const at = (k: number) => tokens[k];
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.kind === 'word' && t.text === 'include' && at(i + 1)?.kind === 'string') {
      const target = bytesToText(at(i + 1)!.bytes!);
      const found = [dirname(file), ...includeDirs].map((d) => resolve(d, target)).find((p) => existsSync(p));
      if (found) collect(found, includeDirs, out, seen);
      i += 2;
      continue;
    }
    if (t.kind === 'word' && t.text === 'rule' && at(i + 1)?.kind === 'word') {
      const name = at(i + 1)!.text;
      i += 2;
      while (i < tokens.length && at(i)!.text !== '{') i++;
      i++;
      const meta: Record<string, MetaValue> = {};
      if (at(i)?.text === 'meta' && at(i + 1)?.text === ':') {
        i += 2;
        while (at(i)?.kind === 'word' && at(i + 1)?.text === '=') {
          const key = at(i)!.text;
          const [value, used] = metaValue(tokens, i + 2);
          if (value !== undefined) meta[key] = value;
          i += 2 + used;
        }
      }
      out.set(name, meta);
      let depth = 1;
      while (i < tokens.length && depth > 0) {
        if (at(i)!.text === '{') depth++;
        else if (at(i)!.text === '}') depth--;
        i++;
      }
      continue;
    }
    i++;
  }
}

function metaValue(tokens: Token[], i: number): [MetaValue | undefined, number] {
  const t = tokens[i];
  if (!t) return [undefined, 0];
  if (t.kind === 'string') return [bytesToText(t.bytes!), 1];
  if (t.kind === 'word' && (t.text === 'true' || t.text === 'false')) return [t.text === 'true', 1];
  if (t.kind === 'number') return [Number(t.text), 1];
  if (t.text === '-' && tokens[i + 1]?.kind === 'number') return [-Number(tokens[i + 1]!.text), 2];
  return [undefined, 1];
}

interface Token {
  kind: 'word' | 'string' | 'number' | 'punct' | 'opaque';
  text: string;
  bytes?: Buffer;
}

const ESCAPES: Record<string, number> = { n: 0x0a, t: 0x09, r: 0x0d, '\\': 0x5c, '"': 0x22 };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const last = () => tokens[tokens.length - 1];
  // A slash or brace right after `=` (or `matches`) opens a regex or a hex string.
  const valueFollows = () => last()?.text === '=' || last()?.text === 'matches';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
    } else if (c === '"') {
      const bytes: number[] = [];
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length) {
          const e = src[i + 1]!;
          if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(src.slice(i + 2, i + 4))) {
            bytes.push(Number.parseInt(src.slice(i + 2, i + 4), 16));
            i += 4;
          } else {
            bytes.push(ESCAPES[e] ?? e.charCodeAt(0));
            i += 2;
          }
        } else {
          bytes.push(src.charCodeAt(i) & 0xff);
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', text: '"', bytes: Buffer.from(bytes) });
    } else if (c === '/' && valueFollows()) {
      i++;
      while (i < src.length && src[i] !== '/' && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
      i++;
      while (/[is]/.test(src[i] ?? '')) i++;
      tokens.push({ kind: 'opaque', text: '/regex/' });
    } else if (c === '{' && valueFollows()) {
      const end = src.indexOf('}', i);
      i = end < 0 ? src.length : end + 1;
      tokens.push({ kind: 'opaque', text: '{hex}' });
    } else if (/[A-Za-z_$#@!]/.test(c)) {
      const m = /^[A-Za-z_$#@!][A-Za-z0-9_*]*/.exec(src.slice(i, i + 256))!;
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^(0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+(\.[0-9]+)?)(KB|MB)?/.exec(src.slice(i, i + 64))!;
      const scale = m[3] === 'KB' ? 1024 : m[3] === 'MB' ? 1024 * 1024 : 1;
      const base = m[1]!.startsWith('0o') ? Number.parseInt(m[1]!.slice(2), 8) : Number(m[1]);
      tokens.push({ kind: 'number', text: String(base * scale) });
      i += m[0].length;
    } else {
      tokens.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return tokens;
}
