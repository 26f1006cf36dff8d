/**
 * The decompressed `dir` stream (MS-OVBA 2.3.4.2): project information, references and one
 * MODULE record per module. Read as a sequence of (id, size, data) records, which every record
 * follows except PROJECTVERSION (its size field says 4 and 6 bytes follow), so references and
 * optional records need no special handling and unknown ones are skipped.
 */

export interface DirModule {
  /** MODULENAME in the code page (undecoded), and MODULENAMEUNICODE when present. */
  name_bytes?: Uint8Array;
  name_unicode?: Uint8Array;
  stream_name_bytes?: Uint8Array;
  stream_name_unicode?: Uint8Array;
  /** MODULEOFFSET: where the compressed source starts in the module stream. */
  text_offset?: number;
  /** 0x21 procedural, 0x22 document, class or designer (MODULETYPE). */
  type_id?: number;
  read_only: boolean;
  private: boolean;
}

export interface DirInfo {
  sys_kind?: number;
  lcid?: number;
  code_page?: number;
  name_bytes?: Uint8Array;
  /** PROJECTMODULES' count, as declared. */
  declared_modules?: number;
  modules: DirModule[];
  problems: string[];
}

const ID = {
  SYSKIND: 0x0001,
  LCID: 0x0002,
  CODEPAGE: 0x0003,
  NAME: 0x0004,
  VERSION: 0x0009,
  MODULES: 0x000f,
  DIR_TERMINATOR: 0x0010,
  MODULENAME: 0x0019,
  MODULESTREAMNAME: 0x001a,
  MODULETYPE_PROCEDURAL: 0x0021,
  MODULETYPE_OTHER: 0x0022,
  MODULEREADONLY: 0x0025,
  MODULEPRIVATE: 0x0028,
  MODULE_TERMINATOR: 0x002b,
  MODULEOFFSET: 0x0031,
  MODULESTREAMNAME_UNICODE: 0x0032,
  MODULENAME_UNICODE: 0x0047,
} as const;

export function parseDir(dir: Uint8Array, maxModules: number): DirInfo {
  const info: DirInfo = { modules: [], problems: [] };
  const view = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
  let module: DirModule | undefined;
  let pos = 0;
  const closeModule = () => {
    if (module === undefined) return;
    if (info.modules.length < maxModules) info.modules.push(module);
    module = undefined;
  };
  while (pos + 6 <= dir.length) {
    const id = view.getUint16(pos, true);
    const size = view.getUint32(pos + 2, true);
    const start = pos + 6;
    // PROJECTVERSION's "Reserved" is where the size would be; its data is 6 bytes.
    const dataLength = id === ID.VERSION ? 6 : size;
    if (start + dataLength > dir.length) {
      info.problems.push(`dir record 0x${id.toString(16).padStart(4, '0')} at offset ${pos} claims ${dataLength} bytes, only ${dir.length - start} remain`);
      return finish(info, closeModule, maxModules);
    }
    const data = dir.subarray(start, start + dataLength);
    pos = start + dataLength;
    switch (id) {
      case ID.SYSKIND:
        if (size >= 4) info.sys_kind = view.getUint32(start, true);
        break;
      case ID.LCID:
        if (size >= 4) info.lcid = view.getUint32(start, true);
        break;
      case ID.CODEPAGE:
        if (size >= 2) info.code_page = view.getUint16(start, true);
        break;
      case ID.NAME:
        info.name_bytes = data;
        break;
      case ID.MODULES:
        if (size >= 2) info.declared_modules = view.getUint16(start, true);
        break;
      case ID.MODULENAME:
        closeModule();
        if (info.modules.length >= maxModules) {
          info.problems.push(`more than ${maxModules} modules (max_modules): the rest are not read`);
          return info;
        }
        module = { name_bytes: data, read_only: false, private: false };
        break;
      case ID.MODULENAME_UNICODE:
        if (module) module.name_unicode = data;
        break;
      case ID.MODULESTREAMNAME:
        if (module) module.stream_name_bytes = data;
        break;
      case ID.MODULESTREAMNAME_UNICODE:
        if (module) module.stream_name_unicode = data;
        break;
      case ID.MODULEOFFSET:
        if (module && size >= 4) module.text_offset = view.getUint32(start, true);
        break;
      case ID.MODULETYPE_PROCEDURAL:
      case ID.MODULETYPE_OTHER:
        if (module) module.type_id = id;
        break;
      case ID.MODULEREADONLY:
        if (module) module.read_only = true;
        break;
      case ID.MODULEPRIVATE:
        if (module) module.private = true;
        break;
      case ID.MODULE_TERMINATOR:
        closeModule();
        break;
      case ID.DIR_TERMINATOR:
        return finish(info, closeModule, maxModules);
    }
  }
  info.problems.push(`dir stream ends at ${dir.length} bytes without its terminator record`);
  return finish(info, closeModule, maxModules);
}

function finish(info: DirInfo, closeModule: () => void, maxModules: number): DirInfo {
  closeModule();
  if (info.declared_modules !== undefined && info.declared_modules !== info.modules.length && info.modules.length < maxModules) {
    info.problems.push(`dir stream declares ${info.declared_modules} modules but holds ${info.modules.length}`);
  }
  return info;
}
