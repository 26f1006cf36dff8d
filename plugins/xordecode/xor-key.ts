/**
 * Finding and reading the XOR key dispatchers leave in `payload.dispatch_meta`.
 */

/** The first `xorkey` value in `meta`, at any depth, in insertion order (depth first). */
export function findXorKey(meta: unknown, seen: Set<object> = new Set()): unknown {
  if (meta === null || typeof meta !== 'object' || seen.has(meta) || ArrayBuffer.isView(meta)) return undefined;
  seen.add(meta);
  const entries: Array<[string, unknown]> = Array.isArray(meta) ? meta.map((v, i) => [String(i), v]) : Object.entries(meta);
  for (const [key, value] of entries) {
    if (key === 'xorkey' && value !== undefined && value !== null) return value;
  }
  for (const [, value] of entries) {
    const found = findXorKey(value, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

function byte(value: unknown, raw: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(value) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 255) {
    throw new Error(`xorkey ${JSON.stringify(raw)} is not usable: ${JSON.stringify(value)} is not a byte value (0-255)`);
  }
  return n;
}

/** Python's bytes repr, e.g. `b'\x11\x10'`, as upstream's yara plugin wrote multi-byte keys. */
function parseBytesRepr(text: string): number[] | undefined {
  const m = /^b(['"])(.*)\1$/s.exec(text.trim());
  if (!m) return undefined;
  const body = m[2]!;
  const escapes: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, "'": 39, '"': 34, '0': 0 };
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const next = body[i + 1];
    if (next === 'x' && /^[0-9a-f]{2}$/i.test(body.slice(i + 2, i + 4))) {
      out.push(Number.parseInt(body.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (next !== undefined && next in escapes) {
      out.push(escapes[next]!);
      i += 1;
    } else {
      return undefined;
    }
  }
  return out;
}

/**
 * A key as a list of byte values. Accepts an int, a list of ints, a "1,2,3" string (as
 * upstream), bytes, and a Python bytes repr (what upstream's yara dispatcher stored).
 */
export function parseXorKey(raw: unknown): number[] {
  let key: number[];
  if (typeof raw === 'number') key = [byte(raw, raw)];
  else if (raw instanceof Uint8Array) key = Array.from(raw);
  else if (Array.isArray(raw)) key = raw.map((v) => byte(v, raw));
  else if (typeof raw === 'string') key = parseBytesRepr(raw) ?? raw.split(',').map((v) => byte(v, raw));
  else throw new Error(`xorkey ${JSON.stringify(raw)} is not usable: expected an int, a list of ints or a "1,2,3" string`);
  if (key.length === 0) throw new Error('xorkey is empty');
  return key;
}

/** `content` XORed with `key`, the key repeating from its start. */
export function xorWithKey(content: Uint8Array, key: number[]): Buffer {
  const out = Buffer.allocUnsafe(content.length);
  const k = key.length;
  for (let i = 0; i < content.length; i++) out[i] = content[i]! ^ key[i % k]!;
  return out;
}
