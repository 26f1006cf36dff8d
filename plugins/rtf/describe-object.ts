import { FLAGGED_CLSIDS, flagsFor } from './flags.js';
import { FORMAT_EMBEDDED, FORMAT_LINKED, parseOle1 } from './ole1.js';
import { parsePackage } from './ole-package.js';
import { rootClsid } from './ole2-root.js';
import type { RawObject } from './scan-rtf.js';

export interface RtfObjectResult {
  index: number;
  /** Offset of the object data in the RTF (just after `\objdata`), as rtfobj's `start`. */
  start: number;
  end: number;
  /** Hex digits taken (rtfobj's `len(hexdata)`); the decoded data is half that. */
  hex_size: number;
  raw_size: number;
  /** OLE1 FormatID: `embedded`, `linked`, or null when the data is no OLE1 object. */
  format_id: 'embedded' | 'linked' | null;
  /** ClassName from the OLE1 header (`Package`, `Equation.3`, `Word.Document.8`, ...). */
  class_name: string | null;
  /** Text of the RTF `\objclass` before the object (what Word shows; may disagree with class_name). */
  rtf_objclass: string | null;
  /** Declared native data size of an embedded object. */
  oledata_size: number | null;
  /** An embedded OLE1 object whose native data is all there (rtfobj's `is_ole`). */
  is_ole: boolean;
  is_package: boolean;
  filename: string | null;
  src_path: string | null;
  temp_path: string | null;
  /** The file size a Package declares (the data may be shorter). */
  package_declared_size: number | null;
  /** Root CLSID of an embedded OLE2 file. */
  clsid: string | null;
  clsid_description: string | null;
  /** What the extracted payload is: the Package's file, the OLE object's native data, or the raw decoded bytes. */
  extracted_as: 'package_file' | 'ole_native_data' | 'raw' | null;
  flagged: boolean;
  flags: string[];
  truncated: boolean;
}

export interface DescribedObject {
  result: RtfObjectResult;
  /** The bytes to extract (rtfobj `-s all` saves the same), or null when empty. */
  payload: Uint8Array | null;
}

/** Reads an object's OLE1 header and, inside, a Package or an OLE2 file, as rtfobj does. */
export function describeObject(raw: RawObject, index: number): DescribedObject {
  const ole = parseOle1(raw.data);
  const embedded = ole !== null && ole.format_id === FORMAT_EMBEDDED && ole.data !== null;
  const isPackage = embedded && ole.class_name.toLowerCase().replace(/\0+$/, '') === 'package';
  const pkg = isPackage ? parsePackage(ole.data!) : null;
  const clsid = embedded && !isPackage ? rootClsid(ole.data!) : null;
  const result: RtfObjectResult = {
    index,
    start: raw.start,
    end: raw.end,
    hex_size: raw.hex_digits,
    raw_size: raw.data.length,
    format_id: ole === null ? null : ole.format_id === FORMAT_LINKED ? 'linked' : 'embedded',
    class_name: ole?.class_name ?? null,
    rtf_objclass: raw.rtf_objclass,
    oledata_size: ole?.data_size ?? null,
    is_ole: embedded,
    is_package: pkg !== null,
    filename: pkg?.filename ?? null,
    src_path: pkg?.src_path ?? null,
    temp_path: pkg?.temp_path ?? null,
    package_declared_size: pkg?.declared_size ?? null,
    clsid,
    clsid_description: clsid ? (FLAGGED_CLSIDS[clsid] ?? null) : null,
    extracted_as: null,
    flagged: false,
    flags: flagsFor({ class_name: ole?.class_name ?? null, rtf_objclass: raw.rtf_objclass, clsid, pkg }),
    truncated: raw.truncated,
  };
  result.flagged = result.flags.length > 0;
  const [kind, payload] = pkg ? (['package_file', pkg.data] as const) : embedded ? (['ole_native_data', ole.data!] as const) : (['raw', raw.data] as const);
  if (payload.length === 0) return { result, payload: null };
  result.extracted_as = kind;
  return { result, payload };
}
