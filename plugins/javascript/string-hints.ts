import type { Tally } from './tally.js';

/** COM ProgIDs and command lines that scripts dropped by mail (JScript, WSH) build as strings. */
const HINTS: [string, RegExp][] = [
  ['WScript.Shell', /wscript\.shell/i],
  ['Shell.Application', /shell\.application/i],
  ['ADODB.Stream', /adodb\.stream/i],
  ['Scripting.FileSystemObject', /scripting\.filesystemobject/i],
  ['MSXML2.XMLHTTP', /msxml2\.(?:server)?xmlhttp/i],
  ['Microsoft.XMLHTTP', /microsoft\.xmlhttp/i],
  ['WinHttp.WinHttpRequest', /winhttp\.winhttprequest/i],
  ['powershell', /powershell/i],
  ['cmd /c', /cmd(?:\.exe)?"?\s+\/[ck]\b/i],
  ['mshta', /mshta/i],
  ['regsvr32', /regsvr32/i],
  ['rundll32', /rundll32/i],
  ['certutil', /certutil/i],
  ['bitsadmin', /bitsadmin/i],
  ['-EncodedCommand', /\s-e(?:nc(?:odedcommand)?)?\s+[A-Za-z0-9+/]{16,}/i],
];

/** Adds, per hint, the number of strings (literals and folded concatenations) that show it. */
export function tallyStringHints(texts: Iterable<string>, into: Tally): void {
  for (const t of texts) for (const [name, re] of HINTS) if (re.test(t)) into.add(`string: ${name}`);
}
