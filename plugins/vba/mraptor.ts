/**
 * MacroRaptor's verdict (oletools' mraptor): a macro is suspicious when it runs by itself
 * (AutoExec) and writes to disk (Write) or runs something (Execute). Each flag is one
 * case-insensitive search over the source of all modules; the first match is kept.
 */
import { collapseContinuations } from './analysis.js';
import { BOUNDARY, WORD } from './word-regex.js';

export interface MraptorVerdict {
  suspicious: boolean;
  flags: Array<'AutoExec' | 'Write' | 'Execute'>;
  /** As mraptor prints it: A, W, X or '-' for each. */
  flags_string: string;
  matches: { autoexec: string | null; write: string | null; execute: string | null };
}

const B = BOUNDARY;
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
// No boundary after the first group (mraptor's own grouping): "AutoOpenX" counts as AutoOpen.
const AUTOEXEC = new RegExp(
  `${B}(?:Auto(?:Exec|_?Open|_?Close|Exit|New)|Document(?:_?Open|_Close|_?BeforeClose|Change|_New)|NewDocument|Workbook(?:_Open|_Activate|_Close|_BeforeClose)|${WORD}+_(?:${EVENTS.join('|')}))|Auto_Ope${B}`,
  'iu',
);
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
const WRITE = new RegExp(`${B}(?:${WRITE_WORDS.join('|')})${B}|${B}Open${B}[^\\n]+${B}(?:Write|Append|Binary|Output|Random)${B}`, 'iu');
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
const EXECUTE = new RegExp(`${B}(?:${EXECUTE_WORDS.join('|')})${B}|${B}Declare${B}[^\\n]+${B}Lib${B}`, 'iu');

export function mraptor(allCode: string): MraptorVerdict {
  const code = collapseContinuations(allCode);
  const autoexec = AUTOEXEC.exec(code)?.[0] ?? null;
  const write = WRITE.exec(code)?.[0] ?? null;
  const execute = EXECUTE.exec(code)?.[0] ?? null;
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
