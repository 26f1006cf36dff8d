export type Encapsulation = 'html' | 'text' | null;

/** [MS-OXRTFEX] 2.1.3.1: `\fromhtml1` / `\fromtext` in the RTF header say what was encapsulated. */
export function encapsulation(rtf: string): Encapsulation {
  const head = rtf.slice(0, 2048);
  if (/\\fromhtml1(?![a-z])/.test(head)) return 'html';
  if (/\\fromtext(?![a-z])/.test(head)) return 'text';
  return null;
}

/**
 * Recover the HTML that Outlook encapsulated in RTF ([MS-OXRTFEX] 2.1.3.2): text and escapes
 * are output except inside `\htmlrtf ... \htmlrtf0` (RTF-only rendering); the `{\*\htmltag}`
 * destinations carry the original tags and are output too. Other `\*` destinations are skipped.
 * A single pass over the string with an explicit group stack: no recursion, linear time.
 */
export function deEncapsulateHtml(rtf: string): string {
  const out: string[] = [];
  const bytes: number[] = [];
  const flushBytes = () => {
    if (bytes.length > 0) {
      out.push(new TextDecoder('windows-1252').decode(Uint8Array.from(bytes)));
      bytes.length = 0;
    }
  };
  const emit = (s: string) => {
    flushBytes();
    out.push(s);
  };
  // Per group: skipping an ignorable destination, inside \htmlrtf, inside an htmltag.
  const stack: { skip: boolean; rtfOnly: boolean }[] = [];
  let state = { skip: false, rtfOnly: false };
  let i = 0;
  let seenFirstGroup = false;
  const live = () => !state.skip && !state.rtfOnly && seenFirstGroup;
  while (i < rtf.length) {
    const c = rtf[i]!;
    if (c === '{') {
      stack.push(state);
      state = { ...state };
      seenFirstGroup = true;
      i++;
      continue;
    }
    if (c === '}') {
      state = stack.pop() ?? state;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c !== '\\') {
      if (live()) bytes.push(c.charCodeAt(0) & 0xff);
      i++;
      continue;
    }
    const next = rtf[i + 1] ?? '';
    if (next === '\\' || next === '{' || next === '}') {
      if (live()) bytes.push(next.charCodeAt(0));
      i += 2;
      continue;
    }
    if (next === "'") {
      const code = Number.parseInt(rtf.slice(i + 2, i + 4), 16);
      if (live() && !Number.isNaN(code)) bytes.push(code);
      i += 4;
      continue;
    }
    if (next === '*') {
      // `{\*\htmltag...}` carries HTML; any other ignorable destination is skipped.
      const word = /^\\\*\\([a-z]+)/.exec(rtf.slice(i, i + 40));
      if (!word || !word[1]!.startsWith('htmltag')) state.skip = true;
      i += 2;
      continue;
    }
    const m = /^\\([a-zA-Z]+)(-?\d+)? ?/.exec(rtf.slice(i, i + 64));
    if (!m) {
      i += 2;
      continue;
    }
    i += m[0].length;
    const [, name, arg] = m;
    if (name === 'htmlrtf') state.rtfOnly = arg !== '0';
    else if (!live()) continue;
    else if (name === 'par' || name === 'line') emit('\r\n');
    else if (name === 'tab') emit('\t');
    else if (name === 'u' && arg !== undefined) {
      emit(String.fromCharCode((Number(arg) + 65536) % 65536));
      // The \uN keyword is followed by one substitute character for old readers.
      if (rtf[i] === '\\' && rtf[i + 1] === "'") i += 4;
      else if (rtf[i] !== '\\' && rtf[i] !== '{' && rtf[i] !== '}') i += 1;
    } else if (name === 'fonttbl' || name === 'colortbl' || name === 'stylesheet' || name === 'pict' || name === 'info') state.skip = true;
  }
  flushBytes();
  return out.join('');
}
