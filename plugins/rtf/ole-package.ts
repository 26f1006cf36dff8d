export interface OlePackage {
  filename: string;
  src_path: string;
  temp_path: string;
  /** Declared size of the file; the data may be shorter when the object is cut. */
  declared_size: number;
  data: Uint8Array;
}

/** Longest path string read, as oleobj reads them (the NUL must come within this many bytes). */
const MAX_STRING = 1024;
const latin1 = new TextDecoder('latin1');

/**
 * Parses the native data of an OLE1 `Package` object (the layout of an Ole10Native stream
 * without its leading size): a 16-bit type, the label (file name), the source path, two 32-bit
 * values, the temporary path Word extracts to, the file size and the file itself. Null when the
 * layout does not hold, or when the file size is missing (a link to a file, not a file).
 */
export function parsePackage(native: Uint8Array): OlePackage | null {
  const view = new DataView(native.buffer, native.byteOffset, native.byteLength);
  let at = 2;
  if (native.length < at) return null;
  const cString = (): string | null => {
    const limit = Math.min(at + MAX_STRING, native.length);
    let end = at;
    while (end < limit && native[end] !== 0) end++;
    if (end === limit) return null;
    const s = latin1.decode(native.subarray(at, end));
    at = end + 1;
    return s;
  };
  const filename = cString();
  const src_path = filename === null ? null : cString();
  if (filename === null || src_path === null) return null;
  at += 8;
  if (at > native.length) return null;
  const temp_path = cString();
  if (temp_path === null || at + 4 > native.length) return null;
  const declared_size = view.getUint32(at, true);
  at += 4;
  return { filename, src_path, temp_path, declared_size, data: native.subarray(at, Math.min(at + declared_size, native.length)) };
}
