/**
 * MacroRaptor's verdict (oletools' mraptor): a macro is suspicious when it runs by itself
 * (AutoExec) and writes to disk (Write) or runs something (Execute). Each flag is one
 * case-insensitive search over the source of all modules; the first match is kept.
 */
import { collapseContinuations, underscoredWords } from './analysis.js';
import { isBoundary } from './word-regex.js';

export interface MraptorVerdict {
  suspicious: boolean;
  flags: Array<'AutoExec' | 'Write' | 'Execute'>;
  /** As mraptor prints it: A, W, X or '-' for each. */
  flags_string: string;
  matches: { autoexec: string | null; write: string | null; execute: string | null };
}

const EVENTS = [
  'Painted',
  'Painting',
  'GotFocus',
  'LostFocus',
  'MouseHover',
  'Layout',
  'Click',
  'Change',
  'Resize',
  'BeforeNavigate2',
  'BeforeScriptExecute',
  'DocumentComplete',
  'DownloadBegin',
  'DownloadComplete',
  'FileDownload',
  'NavigateComplete2',
  'NavigateError',
  'ProgressChange',
  'PropertyChange',
  'SetSecureLockIcon',
  'StatusTextChange',
  'TitleChange',
  'MouseMove',
  'MouseEnter',
  'MouseLeave',
  'OnConnecting',
];
// mraptor's AutoExec pattern has three parts, tried in this order at each position: trigger names
// after a word boundary (with none required after them: "AutoOpenX" counts), a whole word ending
// in _ and an ActiveX event, and "Auto_Ope" before a word boundary.
const TRIGGERS =
  /\b(?:Auto(?:Exec|_?Open|_?Close|Exit|New)|Document(?:_?Open|_Close|_?BeforeClose|Change|_New)|NewDocument|Workbook(?:_Open|_Activate|_Close|_BeforeClose))/gi;
const AUTO_OPE = /Auto_Ope\b/gi;
const EVENT_SUFFIXES = EVENTS.map((e) => `_${e.toLowerCase()}`);

interface Hit {
  index: number;
  text: string;
}

function firstVerified(regex: RegExp, text: string, ok: (m: RegExpExecArray) => boolean): Hit | undefined {
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    if (ok(m)) return { index: m.index, text: m[0] };
    regex.lastIndex = m.index + 1;
  }
  return undefined;
}

function autoexecMatch(code: string): string | null {
  const trigger = firstVerified(TRIGGERS, code, (m) => isBoundary(code, m.index));
  const handler = underscoredWords(code).find((w) => EVENT_SUFFIXES.some((s) => w.lower.length > s.length && w.lower.endsWith(s)));
  const event = handler && { index: handler.start, text: handler.word };
  const ope = firstVerified(AUTO_OPE, code, (m) => isBoundary(code, m.index + m[0].length));
  const hits = [trigger, event, ope].filter((h): h is Hit => h !== undefined);
  // The leftmost wins; at the same position, the earlier part of the pattern.
  hits.sort((a, b) => a.index - b.index);
  return hits[0]?.text ?? null;
}
const WRITE_WORDS = [
  'FileCopy',
  'CopyFile',
  'Kill',
  'CreateTextFile',
  'VirtualAlloc',
  'RtlMoveMemory',
  'URLDownloadToFileA?',
  'AltStartupPath',
  'WriteProcessMemory',
  'ADODB\\.Stream',
  'WriteText',
  'SaveToFile',
  'SaveAs',
  'SaveAsRTF',
  'FileSaveAs',
  'MkDir',
  'RmDir',
  'SaveSetting',
  'SetAttr',
];
// ASCII `\b`; each hit's ends are then checked against Python's Unicode word boundaries.
const WRITE = new RegExp(`\\b(?:${WRITE_WORDS.join('|')})\\b|\\bOpen\\b[^\\n]+\\b(?:Write|Append|Binary|Output|Random)\\b`, 'gi');
const EXECUTE_WORDS = [
  'Shell',
  'CreateObject',
  'GetObject',
  'SendKeys',
  'RUN',
  'CALL',
  'MacScript',
  'FollowHyperlink',
  'CreateThread',
  'ShellExecuteA?',
  'ExecuteExcel4Macro',
  'EXEC',
  'REGISTER',
  'SetTimer',
];
const EXECUTE = new RegExp(`\\b(?:${EXECUTE_WORDS.join('|')})\\b|\\bDeclare\\b[^\\n]+\\bLib\\b`, 'gi');

export function mraptor(allCode: string): MraptorVerdict {
  const code = collapseContinuations(allCode);
  const autoexec = autoexecMatch(code);
  const whole = (m: RegExpExecArray) => isBoundary(code, m.index) && isBoundary(code, m.index + m[0].length);
  const write = firstVerified(WRITE, code, whole)?.text ?? null;
  const execute = firstVerified(EXECUTE, code, whole)?.text ?? null;
  const flags: MraptorVerdict['flags'] = [];
  if (autoexec !== null) flags.push('AutoExec');
  if (write !== null) flags.push('Write');
  if (execute !== null) flags.push('Execute');
  return {
    suspicious: autoexec !== null && (write !== null || execute !== null),
    flags,
    flags_string: `${autoexec !== null ? 'A' : '-'}${write !== null ? 'W' : '-'}${execute !== null ? 'X' : '-'}`,
    matches: { autoexec, write, execute },
  };
}
