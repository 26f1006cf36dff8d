import type { LnkHeader, LnkIdItem, LnkLinkInfo, LnkResult } from './lnk-result.js';
import { bitNames, FILE_ATTRIBUTES, hotkeyName, LINK_FLAGS, showCommandName } from './names.js';
import { noExtraData, parseExtraData } from './parse-extra-data.js';
import { parseIdList } from './parse-id-list.js';
import { parseLinkInfo, targetPath } from './parse-link-info.js';
import { ansi, Reader, utf16 } from './reader.js';
import { filetimeIso, guidText } from './time-and-ids.js';

const HEADER_SIZE = 0x4c;
const LINK_CLSID = '00021401-0000-0000-c000-000000000046';

export interface LnkLimits {
  max_id_items: number;
  max_blocks: number;
}

export interface ParsedLnk {
  result: LnkResult;
  problems: string[];
}

function parseHeader(r: Reader): LnkHeader {
  if (r.size < 20 || r.u32(0, 'HeaderSize') !== HEADER_SIZE || guidText(r.slice(4, 16, 'LinkCLSID')) !== LINK_CLSID) {
    throw new Error('not a Windows shortcut (no header size 0x4C followed by the LinkCLSID 00021401-0000-0000-C000-000000000046)');
  }
  if (r.size < HEADER_SIZE) throw new Error(`truncated shortcut: ${r.size} bytes, the ShellLinkHeader alone needs 76`);
  const flags = r.u32(20, 'LinkFlags');
  const attributes = r.u32(24, 'FileAttributes');
  const show = r.u32(60, 'ShowCommand');
  const hotkey = r.u16(64, 'HotKey');
  return {
    link_flags: bitNames(flags, LINK_FLAGS),
    link_flags_value: flags,
    file_attributes: bitNames(attributes, FILE_ATTRIBUTES),
    file_attributes_value: attributes,
    creation_time: filetimeIso(r.u64(28, 'CreationTime')),
    access_time: filetimeIso(r.u64(36, 'AccessTime')),
    write_time: filetimeIso(r.u64(44, 'WriteTime')),
    file_size: r.u32(52, 'FileSize'),
    icon_index: r.i32(56, 'IconIndex'),
    show_command: showCommandName(show),
    show_command_value: show,
    hotkey: hotkeyName(hotkey),
    hotkey_value: hotkey,
  };
}

const STRINGS = [
  ['name', 1 << 2, 'NAME_STRING'],
  ['relative_path', 1 << 3, 'RELATIVE_PATH'],
  ['working_directory', 1 << 4, 'WORKING_DIR'],
  ['arguments', 1 << 5, 'COMMAND_LINE_ARGUMENTS'],
  ['icon_location', 1 << 6, 'ICON_LOCATION'],
] as const;

/**
 * Parse a shell link. Throws only when the payload is not one or its header is cut short; later
 * damage becomes problems, with everything read before (and where possible after) it kept.
 */
export function parseLnk(bytes: Uint8Array, limits: LnkLimits): ParsedLnk {
  const r = new Reader(bytes);
  const header = parseHeader(r);
  const flags = header.link_flags_value;
  const problems: string[] = [];
  let at = HEADER_SIZE;
  /** Runs one structure; on damage records the problem and reports that the rest cannot be located. */
  const stage = (what: string, run: () => void): boolean => {
    try {
      run();
      return true;
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
      return false;
    }
  };
  let ok = true;
  let idList: LnkIdItem[] | null = null;
  if (flags & 1) {
    ok = stage('LinkTargetIDList', () => {
      const parsed = parseIdList(r, at, limits.max_id_items, problems);
      idList = parsed.items;
      at = parsed.end;
    });
  }
  let linkInfo: LnkLinkInfo | null = null;
  // ForceNoLinkInfo: the structure is absent even when HasLinkInfo is set.
  if (ok && flags & 2 && !(flags & 0x100)) {
    ok = stage('LinkInfo', () => {
      const parsed = parseLinkInfo(r, at, problems);
      linkInfo = parsed.info;
      at = parsed.end;
    });
  }
  const strings: Record<(typeof STRINGS)[number][0], string | null> = {
    name: null,
    relative_path: null,
    working_directory: null,
    arguments: null,
    icon_location: null,
  };
  const unicode = (flags & 0x80) !== 0;
  for (const [key, bit, what] of STRINGS) {
    if (!ok || !(flags & bit)) continue;
    ok = stage(what, () => {
      const count = r.u16(at, `${what} CountCharacters`);
      const length = unicode ? count * 2 : count;
      const data = r.slice(at + 2, length, what);
      strings[key] = unicode ? utf16(data) : ansi(data);
      at += 2 + length;
    });
  }
  const extra = ok ? parseExtraData(r, at, limits.max_blocks, problems) : noExtraData();
  if (!ok) problems.push('the structures after the damaged one cannot be located: not read');
  const info = linkInfo as LnkLinkInfo | null;
  const result: LnkResult = {
    header,
    target_id_list: idList,
    link_info: info,
    target_path: info ? targetPath(info) : null,
    ...strings,
    ...extra,
  };
  return { result, problems };
}
