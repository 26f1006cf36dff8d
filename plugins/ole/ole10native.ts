/**
 * The \x01Ole10Native stream of an OLE1 "Package" object ([MS-OLEDS] 2.3.6 and the Packager's
 * layout): total size, a label (the file name), the original path, a type, the temporary path,
 * then the embedded file's size and bytes. Strings are ANSI, NUL-terminated.
 */
import { decodeCodePage } from './codepage.js';

export interface Ole10Native {
  /** The file name the packager shows. */
  label: string;
  source_path: string;
  temp_path: string;
  /** Size of the embedded file as declared. */
  size: number;
  data: Uint8Array;
}

export function parseOle10Native(b: Uint8Array): { native: Ole10Native | null; problem: string | null } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 0;
  const need = (n: number) => {
    if (p + n > b.length) throw new RangeError(`Ole10Native stream ends at ${b.length} bytes, inside its header`);
  };
  const cstring = () => {
    const end = b.indexOf(0, p);
    if (end < 0) throw new RangeError('Ole10Native string is not terminated');
    const s = decodeCodePage(b.subarray(p, end), 1252);
    p = end + 1;
    return s;
  };
  try {
    need(6);
    p = 6; // total size (4), then a 2-byte header (2)
    const label = cstring();
    const source_path = cstring();
    need(8);
    p += 4; // type: 3 embedded, 1 linked
    const pathLength = dv.getUint32(p, true);
    p += 4;
    need(pathLength);
    const temp_path = decodeCodePage(b.subarray(p, p + pathLength), 1252).replace(/\0.*$/s, '');
    p += pathLength;
    need(4);
    const size = dv.getUint32(p, true);
    p += 4;
    const data = b.subarray(p, Math.min(b.length, p + size));
    const problem = data.length < size ? `Ole10Native declares ${size} bytes for ${JSON.stringify(label)}, the stream holds ${data.length}` : null;
    return { native: { label, source_path, temp_path, size, data }, problem };
  } catch (e) {
    return { native: null, problem: (e as Error).message };
  }
}
