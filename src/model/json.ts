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

export function toJsonValue(value: unknown, seen: Set<object> = new Set()): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
      return null;
  }
  const obj = value as object;
  if (obj instanceof Uint8Array) return bytesToText(obj);
  if (obj instanceof ArrayBuffer) return bytesToText(new Uint8Array(obj));
  if (obj instanceof Date) return obj.toISOString();
  if (seen.has(obj)) return '[Circular]';
  seen.add(obj);
  try {
    const toJSON = (obj as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') return toJsonValue(toJSON.call(obj), seen);
    if (Array.isArray(obj) || obj instanceof Set) return Array.from(obj as Iterable<unknown>, (v) => toJsonValue(v, seen));
    if (obj instanceof Map) {
      const out: Record<string, JsonValue> = {};
      for (const [k, v] of obj) out[String(k)] = toJsonValue(v, seen);
      return out;
    }
    if (obj instanceof globalThis.Error) return { name: obj.name, message: obj.message };
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (v !== undefined) out[k] = toJsonValue(v, seen);
    }
    return out;
  } finally {
    seen.delete(obj);
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
