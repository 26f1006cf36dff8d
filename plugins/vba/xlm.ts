/**
 * Excel 4.0 (XLM) macro sheets. In a BIFF5/BIFF8 workbook (the `Workbook` or `Book` stream of an
 * .xls) each sheet has a BOUNDSHEET record whose type byte says "Excel 4.0 macro sheet"; an
 * xlsm keeps them as `xl/macrosheets/*.xml`. Built-in NAME records Auto_Open/Auto_Close are what
 * make such a sheet run when the workbook opens. Formulas are not decoded.
 */

export interface MacroSheet {
  name: string;
  state: 'visible' | 'hidden' | 'very hidden';
  /** Where it was found: the BIFF stream or the zip member. */
  source: string;
}

export interface XlmInfo {
  macro_sheets: MacroSheet[];
  /** Built-in names that run macros: Auto_Open, Auto_Close, ... */
  auto_names: string[];
  problems: string[];
}

const BOUNDSHEET = 0x0085;
const NAME = 0x0018;
const EOF = 0x000a;
const BOF = 0x0809;
const SHEET_TYPE_XLM = 0x01;
const STATES: MacroSheet['state'][] = ['visible', 'hidden', 'very hidden'];
const BUILTIN_NAMES: Record<number, string> = { 1: 'Auto_Open', 2: 'Auto_Close', 10: 'Auto_Activate', 11: 'Auto_Deactivate' };

const latin1 = new TextDecoder('windows-1252');
const utf16 = new TextDecoder('utf-16le');

/** The globals substream of a BIFF workbook stream: its sheets and built-in names. */
export function readBiffGlobals(stream: Uint8Array, source: string, maxRecords: number): XlmInfo {
  const info: XlmInfo = { macro_sheets: [], auto_names: [], problems: [] };
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  let pos = 0;
  let biff8 = true;
  for (let n = 0; pos + 4 <= stream.length; n++) {
    if (n >= maxRecords) {
      info.problems.push(`${source}: more than ${maxRecords} BIFF records before the end of the workbook globals; stopped`);
      break;
    }
    const type = view.getUint16(pos, true);
    const length = view.getUint16(pos + 2, true);
    const data = stream.subarray(pos + 4, Math.min(pos + 4 + length, stream.length));
    if (pos + 4 + length > stream.length) info.problems.push(`${source}: BIFF record 0x${type.toString(16)} at offset ${pos} is cut off`);
    pos += 4 + length;
    if (n === 0 && type === BOF && data.length >= 2) biff8 = (data[0]! | (data[1]! << 8)) === 0x0600;
    if (type === EOF) break;
    if (type === BOUNDSHEET && data.length >= 7 && data[5] === SHEET_TYPE_XLM) {
      info.macro_sheets.push({ name: sheetName(data.subarray(6), biff8), state: STATES[data[4]! & 0x03] ?? 'visible', source });
    }
    if (type === NAME && data.length >= 15 && (data[0]! & 0x20) !== 0) {
      // fBuiltin: the name is one character, the built-in name's number.
      const code = biff8 ? data[15] : data[14];
      const builtin = code === undefined ? undefined : BUILTIN_NAMES[code];
      if (builtin && !info.auto_names.includes(builtin)) info.auto_names.push(builtin);
    }
  }
  return info;
}

function sheetName(data: Uint8Array, biff8: boolean): string {
  const cch = data[0] ?? 0;
  if (!biff8) return latin1.decode(data.subarray(1, 1 + cch));
  const highByte = (data[1] ?? 0) & 0x01;
  return highByte ? utf16.decode(data.subarray(2, 2 + cch * 2)) : latin1.decode(data.subarray(2, 2 + cch));
}
