import { readControlWord } from './control-word.js';
import { DESTINATIONS } from './destinations.js';
import { HexSink, hexValue } from './hex-sink.js';
import { Tricks } from './tricks.js';

export interface ScanLimits {
  max_objects: number;
  max_hex_bytes: number;
  max_group_depth: number;
}

/** The bytes of one `\objdata` destination at the moment it closed. */
export interface RawObject {
  /** Offset of the first byte after the `\objdata` control word. */
  start: number;
  /** Offset where the destination closed (at most the data length; rtfobj can say more after a `\bin` or `\'` runs off the end). */
  end: number;
  data: Uint8Array;
  hex_digits: number;
  truncated: boolean;
  /** Text of the last `\objclass` destination before this object, if any. */
  rtf_objclass: string | null;
}

export interface Picture {
  start: number;
  /** The picture type control word (pngblip, jpegblip, emfblip, wmetafile, dibitmap, ...), if seen. */
  format: string | null;
  /** Bytes of picture data: hex digits / 2 plus `\bin` bytes. */
  size: number;
}

export interface RtfScan {
  objects: RawObject[];
  pictures: Picture[];
  picture_count: number;
  tricks: Tricks;
  /** Problems with the input that cut the scan short or dropped data. */
  problems: string[];
}

interface Destination {
  cword: string;
  level: number;
  start: number;
  sink: HexSink | null;
  picture: Picture | null;
  picDigits: number;
  text: string | null;
}

const PICTURE_FORMATS = new Set(['emfblip', 'pngblip', 'jpegblip', 'macpict', 'pmmetafile', 'wmetafile', 'dibitmap', 'wbitmap', 'wbmbitspixel']);
const MAX_OBJCLASS = 256;
const [BRACE_OPEN, BRACE_CLOSE, BACKSLASH, QUOTE, SPACE] = [0x7b, 0x7d, 0x5c, 0x27, 0x20];

/**
 * Walks an RTF document the way rtfobj (and, as far as rtfobj knows, Word) does, without
 * recursion: braces move a group level, destination control words push a destination that ends
 * with the group it was opened in (or when another destination opens at the same level), text
 * goes to the destination on top. Every `\objdata` destination that closes becomes an object
 * made of the hex digits in its text, whatever junk, nested groups, plain control words,
 * `\binN` blocks and `\'hh` escapes surround them.
 */
export function scanRtf(data: Uint8Array, limits: ScanLimits): RtfScan {
  const tricks = new Tricks();
  const problems: string[] = [];
  const objects: RawObject[] = [];
  const pictures: Picture[] = [];
  let pictureCount = 0;
  const budget = { left: limits.max_hex_bytes };
  // Bytes handed out in objects: the same destination can close again and be copied again.
  const copied = { left: limits.max_hex_bytes };
  let lastObjclass: string | null = null;
  let objectsDropped = 0;

  const document: Destination = { cword: '', level: 0, start: 0, sink: null, picture: null, picDigits: 0, text: null };
  const stack: Destination[] = [document];
  let current = document;
  let level = 0;
  let i = 0;
  const n = data.length;

  if (!(n >= 4 && data[0] === BRACE_OPEN && data[1] === BACKSLASH && data[2] === 0x72 && data[3] === 0x74)) tricks.add('no_rtf_header', 0);
  else if (data[4] !== 0x66) tricks.add('rtf_header_without_f', 0);

  const closeDestination = (): void => {
    const d = current;
    if (d.sink) {
      if (objects.length < limits.max_objects) {
        const snap = d.sink.snapshot(copied.left);
        copied.left -= snap.data.length;
        const truncated = d.sink.truncated || snap.cut;
        if (snap.hexDigits !== d.sink.digits) tricks.add('odd_hex_digit_count', d.start);
        if (truncated) problems.push(`object data at offset ${d.start} cut at the max_hex_bytes limit (${limits.max_hex_bytes})`);
        objects.push({
          start: d.start,
          end: Math.min(i, n),
          data: snap.data,
          hex_digits: snap.hexDigits,
          truncated,
          rtf_objclass: lastObjclass,
        });
        lastObjclass = null;
      } else objectsDropped++;
    } else if (d.picture) {
      d.picture.size += d.picDigits >> 1;
      d.picDigits = 0;
    } else if (d.text !== null) lastObjclass = d.text.trim();
    // A picture is sized once, even when its destination closes again (see below).
    if (d.picture) d.picture = null;
    if (stack.length > 0) stack.pop();
    // rtfobj keeps the last destination current once the stack is empty (after an unbalanced
    // `}` popped the document itself); text then piles onto it and it can close again.
    if (stack.length > 0) current = stack[stack.length - 1]!;
  };

  const openDestination = (cword: string, start: number): void => {
    if (current.level === level) {
      if (current.sink && cword !== 'objdata') tricks.add('objdata_ended_by_destination', i);
      closeDestination();
    } else if (current.sink) tricks.add('destination_inside_objdata', i);
    const d: Destination = { cword, level, start, sink: null, picture: null, picDigits: 0, text: null };
    if (cword === 'objdata') d.sink = new HexSink(budget);
    else if (cword === 'pict') {
      pictureCount++;
      d.picture = { start, format: null, size: 0 };
      if (pictures.length < limits.max_objects) pictures.push(d.picture);
    } else if (cword === 'objclass') d.text = '';
    stack.push(d);
    current = d;
  };

  const closeGroup = (): void => {
    if (level === current.level) closeDestination();
    level--;
    if (level < 0) tricks.add('unbalanced_closing_brace', i);
  };

  const text = (from: number, to: number): void => {
    if (current.sink) {
      const junkBefore = current.sink.junk;
      current.sink.text(data, from, to);
      if (current.sink.junk > junkBefore) tricks.add('non_hex_in_objdata', from);
    } else if (current.picture) {
      for (let k = from; k < to; k++) if (hexValue(data[k]!) >= 0) current.picDigits++;
    } else if (current.text !== null && current.text.length < MAX_OBJCLASS) {
      current.text += String.fromCharCode(...data.subarray(from, Math.min(to, from + MAX_OBJCLASS - current.text.length)));
    }
  };

  const binary = (param: string | null): void => {
    let length = 0;
    if (param === null) tricks.add('bin_without_length', i);
    else if (param.startsWith('-')) tricks.add('bin_negative_length', i);
    else length = param.length > 15 ? Number.MAX_SAFE_INTEGER : Number(param);
    if (data[i] === SPACE) i++;
    const to = Math.min(i + length, n);
    if (i + length > n) tricks.add('bin_past_end', i);
    if (current.sink) {
      tricks.add('bin_in_objdata', i);
      current.sink.binary(data, i, to);
    } else if (current.picture) current.picture.size += to - i;
    i = to;
  };

  while (i < n) {
    const c = data[i]!;
    if (c === BRACE_OPEN) {
      if (current.sink) tricks.add('group_inside_objdata', i);
      level++;
      if (level > limits.max_group_depth) {
        problems.push(`groups nested deeper than max_group_depth (${limits.max_group_depth}) at offset ${i}: the rest of the document was not read`);
        break;
      }
      i++;
      continue;
    }
    if (c === BRACE_CLOSE) {
      closeGroup();
      i++;
      continue;
    }
    if (c === BACKSLASH) {
      const word = readControlWord(data, i);
      if (word) {
        if (DESTINATIONS.has(word.name)) openDestination(word.name, i + word.length);
        else if (current.sink) tricks.add('control_word_inside_objdata', i);
        else if (current.picture && PICTURE_FORMATS.has(word.name)) current.picture.format = word.name;
        i += word.length;
        if (word.name === 'bin') binary(word.param);
        continue;
      }
      if (i + 1 < n && !isLetter(data[i + 1]!)) {
        // A control symbol. `\'hh` also swallows the two bytes after it, whatever they are.
        if (data[i + 1] === QUOTE) {
          if (current.sink) {
            tricks.add('escaped_byte_inside_objdata', i);
            if (current.sink.dropOddDigit()) tricks.add('odd_digit_dropped_before_escape', i);
          }
          i += 2;
        }
        i += 2;
        continue;
      }
      // rtfobj gives up on the whole file here (its text pattern cannot start at a backslash).
      tricks.add(i + 1 < n ? 'overlong_control_word' : 'backslash_at_end', i);
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n) {
      const d = data[j]!;
      if (d === BRACE_OPEN || d === BRACE_CLOSE || d === BACKSLASH) break;
      j++;
    }
    text(i, j);
    i = j;
  }
  if (level > 0) tricks.add('groups_open_at_end', n);
  // As at the end of a file, close what is still open: an unterminated \objdata still counts.
  while (level > 0) closeGroup();
  if (objectsDropped > 0) problems.push(`${objectsDropped} object(s) past max_objects (${limits.max_objects}) not reported`);
  if (pictureCount > pictures.length) problems.push(`${pictureCount - pictures.length} picture(s) past max_objects (${limits.max_objects}) not listed`);
  return { objects, pictures, picture_count: pictureCount, tricks, problems };
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
