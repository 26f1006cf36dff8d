/** MS-OLEDS 2.2.4 ObjectHeader FormatID values. */
export const FORMAT_LINKED = 1;
export const FORMAT_EMBEDDED = 2;

export interface Ole1Object {
  ole_version: number;
  format_id: number;
  class_name: string;
  topic_name: string;
  item_name: string;
  /** EmbeddedObject NativeDataSize; null for a linked object (it has no native data). */
  data_size: number | null;
  /** The native data (an OLE2 file, a Package, ...); null for a linked object. */
  data: Uint8Array | null;
}

const latin1 = new TextDecoder('latin1');

/**
 * Parses an OLE 1.0 object (MS-OLEDS 2.2.4 ObjectHeader, then 2.2.5 EmbeddedObject's
 * NativeDataSize and NativeData), as rtfobj accepts it: any version, FormatID linked or
 * embedded, three length-prefixed strings whose last byte must be NUL, and for an embedded
 * object native data that is all there. Null when it is not such an object.
 */
export function parseOle1(raw: Uint8Array): Ole1Object | null {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let at = 0;
  const u32 = (): number | null => {
    if (at + 4 > raw.length) return null;
    const v = view.getUint32(at, true);
    at += 4;
    return v;
  };
  const lengthPrefixed = (): string | null => {
    const length = u32();
    if (length === null) return null;
    if (length === 0) return '';
    if (at + length > raw.length || raw[at + length - 1] !== 0) return null;
    const s = latin1.decode(raw.subarray(at, at + length - 1));
    at += length;
    return s;
  };
  const ole_version = u32();
  const format_id = u32();
  if (ole_version === null || (format_id !== FORMAT_LINKED && format_id !== FORMAT_EMBEDDED)) return null;
  const class_name = lengthPrefixed();
  const topic_name = class_name === null ? null : lengthPrefixed();
  const item_name = topic_name === null ? null : lengthPrefixed();
  if (class_name === null || topic_name === null || item_name === null) return null;
  const header = { ole_version, format_id, class_name, topic_name, item_name };
  if (format_id === FORMAT_LINKED) return { ...header, data_size: null, data: null };
  const data_size = u32();
  if (data_size === null || at + data_size > raw.length) return null;
  return { ...header, data_size, data: raw.subarray(at, at + data_size) };
}
