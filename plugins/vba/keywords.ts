/**
 * Keyword tables for the macro analysis. The behaviour follows olevba (oletools 0.60): which
 * words mark a macro as auto-running or suspicious, matched case-insensitively as whole words;
 * the grouping and the descriptions are this plugin's own.
 *
 * `words` are literal; `patterns` are regular-expression sources (ASCII, no `\w`);
 * `word_suffixes` match a whole word ending in `_` and the suffix (an event handler such as
 * `CommandButton1_Click`), words being runs of Unicode letters, digits and `_` as in Python.
 */

export interface KeywordGroup {
  description: string;
  words?: string[];
  patterns?: string[];
  word_suffixes?: string[];
}

export const AUTOEXEC: KeywordGroup[] = [
  { description: 'Word: runs when the document opens', words: ['AutoExec', 'AutoOpen', 'DocumentOpen'] },
  { description: 'Word: runs when the document closes', words: ['AutoExit', 'AutoClose', 'Document_Close', 'DocumentBeforeClose'] },
  { description: 'Word: runs when the document changes', words: ['DocumentChange'] },
  { description: 'Word: runs when a new document is made', words: ['AutoNew', 'Document_New', 'NewDocument'] },
  { description: 'Word or Publisher: runs when the document opens', words: ['Document_Open'] },
  { description: 'Publisher: runs when the document closes', words: ['Document_BeforeClose'] },
  // Auto_Ope: olevba keeps it for a BIFF dump that loses the last letter of Auto_Open.
  { description: 'Excel: runs when the workbook opens', words: ['Auto_Open', 'Workbook_Open', 'Workbook_Activate', 'Auto_Ope'] },
  { description: 'Excel: runs when the workbook closes', words: ['Auto_Close', 'Workbook_Close', 'Workbook_BeforeClose'] },
  { description: 'Excel: may run when a worksheet is recalculated on opening', words: ['Worksheet_Calculate'] },
  { description: 'runs on opening through an InkPicture ActiveX control event', word_suffixes: ['Painted', 'Painting'] },
  {
    description: 'runs when an ActiveX control in the document fires an event',
    word_suffixes: [
      'GotFocus',
      'LostFocus',
      'MouseHover',
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
      'Layout',
      'OnConnecting',
      'FollowHyperlink',
      'ContentControlOnEnter',
    ],
  },
];

export const SUSPICIOUS: KeywordGroup[] = [
  {
    description: 'reads environment variables',
    words: ['Environ', 'Win32_Environment', 'Environment', 'ExpandEnvironmentStrings', 'HKCU\\Environment', 'HKEY_CURRENT_USER\\Environment'],
  },
  { description: 'opens a file', words: ['Open'] },
  { description: 'writes a file (with Open)', words: ['Write', 'Put', 'Output', 'Print #'] },
  { description: 'reads or writes a binary file (with Open)', words: ['Binary'] },
  { description: 'copies a file', words: ['FileCopy', 'CopyFile', 'CopyHere', 'CopyFolder'] },
  { description: 'moves a file', words: ['MoveHere', 'MoveFile', 'MoveFolder'] },
  { description: 'deletes a file', words: ['Kill'] },
  { description: 'creates a text file', words: ['CreateTextFile', 'ADODB.Stream', 'WriteText', 'SaveToFile'] },
  {
    description: 'runs a program or a shell command',
    words: [
      'Shell',
      'vbNormal',
      'vbNormalFocus',
      'vbHide',
      'vbMinimizedFocus',
      'vbMaximizedFocus',
      'vbNormalNoFocus',
      'vbMinimizedNoFocus',
      'WScript.Shell',
      'Run',
      'ShellExecute',
      'ShellExecuteA',
      'shell32',
      'InvokeVerb',
      'InvokeVerbEx',
      'DoIt',
    ],
  },
  { description: 'runs a DLL (Control Panel item)', words: ['ControlPanelItem'] },
  { description: 'runs a program through WMI (Win32_Process.Create)', words: ['Create'] },
  { description: 'runs a command on macOS', words: ['MacScript', 'AppleScript'] },
  {
    description: 'runs PowerShell',
    words: [
      'PowerShell',
      'noexit',
      'ExecutionPolicy',
      'noprofile',
      'command',
      'EncodedCommand',
      'invoke-command',
      'scriptblock',
      'Invoke-Expression',
      'AuthorizationManager',
    ],
  },
  { description: 'starts a process from PowerShell', words: ['Start-Process'] },
  { description: 'calls a DLL from an Excel 4.0 macro', words: ['CALL'] },
  { description: 'hides the application window', words: ['Application.Visible', 'ShowWindow', 'SW_HIDE'] },
  { description: 'creates a directory', words: ['MkDir'] },
  { description: 'saves the workbook', words: ['ActiveWorkbook.SaveAs'] },
  { description: 'changes the startup folder Office loads files from', words: ['Application.AltStartupPath'] },
  { description: 'creates a COM object', words: ['CreateObject'] },
  { description: 'attaches to a running COM object', words: ['GetObject'] },
  { description: 'creates a COM object from PowerShell', words: ['New-Object'] },
  { description: 'runs an application (with CreateObject)', words: ['Shell.Application'] },
  { description: 'runs an Excel 4.0 macro from VBA', words: ['ExecuteExcel4Macro'] },
  { description: 'lists application windows (with Shell.Application)', words: ['Windows', 'FindWindow'] },
  { description: 'declares a function from a DLL', words: ['Lib'] },
  { description: 'declares a function from a macOS library', words: ['libc.dylib', 'dylib'] },
  {
    description: 'injects code into a process',
    words: [
      'CreateThread',
      'CreateUserThread',
      'VirtualAlloc',
      'VirtualAllocEx',
      'RtlMoveMemory',
      'WriteProcessMemory',
      'SetContextThread',
      'QueueApcThread',
      'WriteVirtualMemory',
      'VirtualProtect',
    ],
  },
  { description: 'runs shellcode from memory (timer callback)', words: ['SetTimer'] },
  { description: 'downloads from the Internet', words: ['URLDownloadToFileA', 'Msxml2.XMLHTTP', 'Microsoft.XMLHTTP', 'MSXML2.ServerXMLHTTP', 'User-Agent'] },
  { description: 'downloads from the Internet with PowerShell', words: ['Net.WebClient', 'DownloadFile', 'DownloadString'] },
  { description: 'sends keystrokes to another application', words: ['SendKeys', 'AppActivate'] },
  { description: 'calls a function by its name (hides the call)', words: ['CallByName'] },
  { description: 'builds or transforms strings to hide them', words: ['Chr', 'ChrB', 'ChrW', 'StrReverse', 'Xor'] },
  { description: 'opens or closes registry keys', words: ['RegOpenKeyExA', 'RegOpenKeyEx', 'RegCloseKey'] },
  { description: 'reads registry values', words: ['RegQueryValueExA', 'RegQueryValueEx', 'RegRead'] },
  { description: 'looks for a virtual machine', words: ['SYSTEM\\ControlSet001\\Services\\Disk\\Enum', 'VIRTUAL', 'VMWARE', 'VBOX'] },
  {
    description: 'looks for the Anubis sandbox',
    words: [
      'GetVolumeInformationA',
      'GetVolumeInformation',
      '1824245000',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProductId',
      '76487-337-8429955-22614',
      'andy',
      'C:\\exec\\exec.exe',
      'popupkiller',
    ],
  },
  { description: 'looks for the Sandboxie sandbox', words: ['SbieDll.dll', 'SandboxieControlWndClass'] },
  { description: 'looks for the Sunbelt sandbox', words: ['C:\\file.exe'] },
  { description: 'looks for the Norman sandbox', words: ['currentuser'] },
  { description: 'looks for the CWSandbox', words: ['Schmidti'] },
  { description: 'looks for the WinJail sandbox', words: ['Afx:400000:0'] },
  {
    description: 'turns off macro security or Protected View',
    words: [
      'AccessVBOM',
      'VBAWarnings',
      'ProtectedView',
      'DisableAttachementsInPV',
      'DisableInternetFilesInPV',
      'DisableUnsafeLocationsInPV',
      'blockcontentexecutionfrominternet',
    ],
  },
  { description: 'modifies VBA code (its own or another project’s)', words: ['VBProject', 'VBComponents', 'CodeModule', 'AddFromString'] },
  { description: 'rewrites Excel 4.0 macro formulas while running', words: ['FORMULA.FILL'] },
  { description: 'hides data in Word document variables', patterns: ['\\.\\s*Variables'] },
  { description: 'runs shellcode from memory (enumeration callback)', patterns: ['EnumSystemLanguageGroupsW?', 'EnumDateFormats(?:W|(?:Ex){1,2})?'] },
  { description: 'runs a command on macOS (with libc.dylib)', patterns: ['system', 'popen', 'exec[lv][ep]?'] },
  { description: 'runs a program from an Excel 4.0 macro', patterns: ['EXEC'] },
  { description: 'declares a DLL function from an Excel 4.0 macro', patterns: ['REGISTER'] },
];

/** Matched as plain substrings, not words. */
export const SUSPICIOUS_CHARACTERS: KeywordGroup[] = [{ description: 'backspace characters that hide code when it is printed', words: ['\b'] }];

/** Executable file extensions olevba reports as IOCs (.com left out: too many URLs end so). */
export const EXECUTABLE_EXTENSIONS = [
  'EXE',
  'PIF',
  'GADGET',
  'MSI',
  'MSP',
  'MSC',
  'VBS',
  'VBE',
  'VB',
  'JSE',
  'JS',
  'WSF',
  'WSC',
  'WSH',
  'WS',
  'BAT',
  'CMD',
  'DLL',
  'SCR',
  'HTA',
  'CPL',
  'CLASS',
  'JAR',
  'PS1XML',
  'PS1',
  'PS2XML',
  'PS2',
  'PSC1',
  'PSC2',
  'SCF',
  'LNK',
  'INF',
  'REG',
];

/** Quoted strings that look like Base64 but are common words. */
export const BASE64_ALLOWED_WORDS = new Set([
  'thisdocument',
  'thisworkbook',
  'test',
  'temp',
  'http',
  'open',
  'exit',
  'kernel32',
  'virtualalloc',
  'createthread',
]);

/** URL prefixes of XML namespaces, not IOCs. */
export const NAMESPACE_URL_PREFIXES = ['http://schemas.openxmlformats.org/', 'http://schemas.microsoft.com/'];
