export interface ControlWord {
  name: string;
  /** The signed decimal parameter as written (may be longer than any number), or null. */
  param: string | null;
  /** Bytes from the backslash through the parameter (a delimiting space is not included). */
  length: number;
}

/** Word limits a control word with its parameter to 253 characters after the backslash. */
const WINDOW = 254;
const MAX_NAME = 250;

const isLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * Reads the control word whose backslash is at `at`, as Word (and rtfobj) read it: 1 to 250
 * ASCII letters, then an optional signed integer. Only a window of 254 bytes is looked at and
 * its end counts as a delimiter, so digits past it become text. Null when no letter follows the
 * backslash (a control symbol) or when more than 250 letters do (Word refuses it).
 */
export function readControlWord(data: Uint8Array, at: number): ControlWord | null {
  const end = Math.min(at + WINDOW, data.length);
  let k = at + 1;
  let name = '';
  for (; k < end && isLetter(data[k]!); k++) if (k - at <= MAX_NAME) name += String.fromCharCode(data[k]!);
  const letters = k - at - 1;
  if (letters === 0 || letters > MAX_NAME) return null;
  let p = k;
  let param = '';
  if (p < end && data[p] === 0x2d && p + 1 < end && isDigit(data[p + 1]!)) param = String.fromCharCode(data[p++]!);
  if (p < end && isDigit(data[p]!)) {
    for (; p < end && isDigit(data[p]!); p++) param += String.fromCharCode(data[p]!);
    return { name, param, length: p - at };
  }
  return { name, param: null, length: k - at };
}
