/**
 * JSON conversion shared by every data class.
 *
 * Plugin results are arbitrary values: bytes, Sets, Maps, Dates and class instances all occur in
 * practice. `toJsonValue` turns them into plain JSON once, at the edge, so sinks always receive
 * the same shape (upstream sniffed bytes with UnicodeDammit; we decode UTF-8, falling back to
 * windows-1252 like it does).
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });
const cp1252 = new TextDecoder('windows-1252');

export function bytesToText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return cp1252.decode(bytes);
  }
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const hasOwn = Object.prototype.hasOwnProperty;

export function toJsonValue(value: unknown): JsonValue {
  return convert(value, []);
}

/**
 * One walk, one fresh plain copy. `ancestors` is the path from the root (short in practice: a
 * linear scan of it beats a Set's add/delete per object, which was most of this function's cost).
 */
function convert(value: unknown, ancestors: object[]): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return null;
  }
  if (value === null) return null;
  const obj = value as object;
  if (obj instanceof Uint8Array) return bytesToText(obj);
  if (obj instanceof ArrayBuffer) return bytesToText(new Uint8Array(obj));
  if (obj instanceof Date) return obj.toISOString();
  if (ancestors.includes(obj)) return '[Circular]';
  ancestors.push(obj);
  try {
    const toJSON = (obj as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') return convert(toJSON.call(obj), ancestors);
    if (Array.isArray(obj)) {
      const out: JsonValue[] = [];
      for (let i = 0; i < obj.length; i++) out.push(convert(obj[i], ancestors));
      return out;
    }
    if (obj instanceof Set) return Array.from(obj as Set<unknown>, (v) => convert(v, ancestors));
    if (obj instanceof Map) {
      const out: Record<string, JsonValue> = {};
      for (const [k, v] of obj) out[String(k)] = convert(v, ancestors);
      return out;
    }
    if (obj instanceof globalThis.Error) return { name: obj.name, message: obj.message };
    const out: Record<string, JsonValue> = {};
    for (const k in obj) {
      if (!hasOwn.call(obj, k)) continue;
      const v = (obj as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = convert(v, ancestors);
    }
    return out;
  } finally {
    ancestors.pop();
  }
}

export interface DumpOptions {
  /** Spaces of indentation; 0 or `compactly` gives one line. Default 4, as upstream. */
  indent?: number;
  compactly?: boolean;
}

/** Serialise any value the way responses are serialised (bytes as text, sets as arrays). */
export function dumps(data: unknown, options: DumpOptions = {}): string {
  const indent = options.compactly ? 0 : (options.indent ?? 4);
  return JSON.stringify(toJsonValue(data), null, indent || undefined);
}
