import { decodeWords } from 'postal-mime';
import { decodeCharset } from './transfer-decode.js';

/** A structured header like Content-Type: its lowercased value and its parameters (names lowercased). */
export interface ParsedParams {
  value: string;
  params: Record<string, string>;
}

const MAX_PARAMS = 256;

/** Splits `v; a=1; b="x;y"` at semicolons outside quoted strings. */
function splitParams(raw: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quoted && c === '\\' && i + 1 < raw.length) {
      cur += c + raw[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/\\(.)/g, '$1');
  return t;
}

/** `%XX` escapes of an RFC 2231 extended value, as bytes. */
function percentBytes(s: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const h = s[i] === '%' ? Number.parseInt(s.slice(i + 1, i + 3), 16) : Number.NaN;
    if (!Number.isNaN(h) && /^[0-9a-f]{2}$/i.test(s.slice(i + 1, i + 3))) {
      bytes.push(h);
      i += 2;
    } else bytes.push(s.charCodeAt(i) & 0xff);
  }
  return Uint8Array.from(bytes);
}

/**
 * Content-Type / Content-Disposition value and parameters, with RFC 2231 continuations
 * (`name*0`, `name*1*`) and charset'lang'-encoded values joined and decoded, and RFC 2047 encoded
 * words inside plain values decoded (not standard, but what mailers send and Python accepts).
 */
export function parseParams(raw: string | undefined): ParsedParams {
  if (raw === undefined) return { value: '', params: {} };
  const [head, ...rest] = splitParams(raw);
  const value = (head ?? '').trim().toLowerCase().replace(/\s+/g, '');
  const plain: Record<string, string> = {};
  const sections = new Map<string, { index: number; extended: boolean; text: string }[]>();
  // Real headers have a handful of parameters; thousands of RFC 2231 sections are an attack on the sort and join below.
  for (const piece of rest.slice(0, MAX_PARAMS)) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const key = piece.slice(0, eq).trim().toLowerCase();
    const val = piece.slice(eq + 1);
    const m = /^([^*]+)\*(?:(\d+)(\*)?)?$/.exec(key);
    if (!m) {
      if (!(key in plain)) plain[key] = unquote(val);
      continue;
    }
    const name = m[1]!;
    const list = sections.get(name) ?? [];
    // `name*` (no index) is one extended section; `name*N` plain, `name*N*` extended.
    list.push({ index: m[2] === undefined ? 0 : Number(m[2]), extended: m[2] === undefined || m[3] === '*', text: unquote(val) });
    sections.set(name, list);
  }
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(plain)) params[k] = v.includes('=?') ? decodeWords(v) : v;
  for (const [name, list] of sections) {
    list.sort((a, b) => a.index - b.index);
    let charset = '';
    const chunks: Uint8Array[] = [];
    for (const [i, s] of list.entries()) {
      let text = s.text;
      if (s.extended && i === 0) {
        const q = /^([^']*)'[^']*'(.*)$/s.exec(text);
        if (q) {
          charset = q[1]!;
          text = q[2]!;
        }
      }
      chunks.push(s.extended ? percentBytes(text) : Buffer.from(text, 'latin1'));
    }
    params[name] = decodeCharset(Buffer.concat(chunks), charset || 'us-ascii');
  }
  return { value, params };
}
