/**
 * VBA projects inside an OLE2 file read by cfb: any storage holding a `VBA` storage with a `dir`
 * stream (Word's `Macros`, Excel's `_VBA_PROJECT_CUR`, the root of a bare `vbaProject.bin`),
 * its `dir` stream parsed, and each module's source decompressed from MODULEOFFSET on.
 */
import type { CFB$Container, CFB$Entry } from 'cfb';
import { type CodePageDecoder, decodeUtf16, decoderFor } from './code-page.js';
import { type DirModule, parseDir } from './dir-stream.js';
import { decompressContainer } from './ovba-decompress.js';
import { type ModuleKind, moduleKinds } from './project-stream.js';

export interface Limits {
  max_modules: number;
  max_module_size: number;
  max_total_source: number;
  max_dir_size: number;
}

export interface ProjectInfo {
  /** The zip member holding the project (an OOXML file's vbaProject.bin), else null. */
  member: string | null;
  /** Storage holding the project, '' for the root of a bare vbaProject.bin. */
  storage: string;
  name: string | null;
  code_page: number | null;
  encoding: string;
  sys_kind: string | null;
  module_count: number;
}

export interface ModuleInfo {
  name: string;
  stream: string;
  type: ModuleKind | 'unknown';
  /** Decompressed source, in bytes of the project's code page. */
  size: number;
  code_lines: number;
  text_offset: number;
  read_only?: true;
  private?: true;
}

export interface ExtractedModule {
  info: ModuleInfo;
  source: string;
  project: ProjectInfo;
}

export interface ProjectsRead {
  projects: ProjectInfo[];
  modules: ExtractedModule[];
  problems: string[];
}

const SYS_KINDS = ['Win16', 'Win32', 'Macintosh', 'Win64'];

/** Paths relative to the root, '/'-separated, storages without a trailing slash. */
function entryMap(cfb: CFB$Container): Map<string, CFB$Entry> {
  const root = cfb.FullPaths[0] ?? '';
  const map = new Map<string, CFB$Entry>();
  cfb.FullPaths.forEach((full, i) => {
    if (i === 0) return;
    const rel = full.startsWith(root) ? full.slice(root.length) : full;
    const key = rel.replace(/\/$/, '').toUpperCase();
    const entry = cfb.FileIndex[i];
    if (entry && !map.has(key)) map.set(key, entry);
  });
  return map;
}

function streamBytes(entry: CFB$Entry | undefined): Uint8Array | undefined {
  if (entry?.type !== 2) return undefined;
  const c = entry.content as Uint8Array | number[] | undefined;
  if (c === undefined) return new Uint8Array(0);
  return c instanceof Uint8Array ? c.subarray(0, entry.size) : Uint8Array.from(c.slice(0, entry.size));
}

export function readProjects(cfb: CFB$Container, limits: Limits, member: string | null): ProjectsRead {
  const entries = entryMap(cfb);
  const out: ProjectsRead = { projects: [], modules: [], problems: [] };
  let totalSource = 0;
  const roots = [...entries.entries()].filter(([path, e]) => e.type === 1 && (path === 'VBA' || path.endsWith('/VBA'))).map(([path]) => path.slice(0, -3));
  for (const root of roots) {
    const displayRoot = displayPath(cfb, root);
    const dirEntry = entries.get(`${root}VBA/DIR`);
    const dirBytes = streamBytes(dirEntry);
    if (dirBytes === undefined) continue; // a VBA storage without a dir stream is not a project
    const where = `${displayRoot}VBA/dir`;
    const dir = decompressContainer(dirBytes, limits.max_dir_size);
    if (dir.problem) out.problems.push(`${where}: ${dir.problem}`);
    const parsed = parseDir(dir.data, limits.max_modules);
    for (const p of parsed.problems) out.problems.push(`${where}: ${p}`);
    const decoder = decoderFor(parsed.code_page);
    const projectText = streamBytes(entries.get(`${root}PROJECT`));
    if (projectText === undefined) out.problems.push(`${displayRoot || 'root'}: no PROJECT stream beside the VBA storage`);
    const kinds = moduleKinds(projectText ? decoder.decode(projectText) : '');
    const project: ProjectInfo = {
      member,
      storage: displayRoot.replace(/\/$/, ''),
      name: parsed.name_bytes ? decoder.decode(parsed.name_bytes) : null,
      code_page: parsed.code_page ?? null,
      encoding: decoder.encoding,
      sys_kind: parsed.sys_kind === undefined ? null : (SYS_KINDS[parsed.sys_kind] ?? `unknown (${parsed.sys_kind})`),
      module_count: parsed.modules.length,
    };
    out.projects.push(project);
    for (const m of parsed.modules) {
      if (totalSource >= limits.max_total_source) {
        out.problems.push(`module sources reach max_total_source (${limits.max_total_source} bytes): the remaining modules are not read`);
        break;
      }
      const read = readModule(m, root, displayRoot, entries, decoder, kinds, Math.min(limits.max_module_size, limits.max_total_source - totalSource));
      if (read.problem) out.problems.push(read.problem);
      if (read.module) {
        totalSource += read.module.info.size;
        out.modules.push({ ...read.module, project });
      }
    }
  }
  return out;
}

function readModule(
  m: DirModule,
  root: string,
  displayRoot: string,
  entries: Map<string, CFB$Entry>,
  decoder: CodePageDecoder,
  kinds: Map<string, ModuleKind>,
  maxSize: number,
): { module?: Omit<ExtractedModule, 'project'>; problem?: string } {
  const name = m.name_bytes ? decoder.decode(m.name_bytes) : m.name_unicode ? decodeUtf16(m.name_unicode) : '';
  // As olevba: the stream name first, then its Unicode form, then the module names.
  const candidates = [
    m.stream_name_bytes && decoder.decode(m.stream_name_bytes),
    m.stream_name_unicode && decodeUtf16(m.stream_name_unicode),
    name,
    m.name_unicode && decodeUtf16(m.name_unicode),
  ].filter((c): c is string => !!c);
  let streamName: string | undefined;
  let bytes: Uint8Array | undefined;
  for (const c of candidates) {
    bytes = streamBytes(entries.get(`${root}VBA/${c}`.toUpperCase()));
    if (bytes) {
      streamName = c;
      break;
    }
  }
  const label = `module ${JSON.stringify(name)}`;
  if (bytes === undefined || streamName === undefined) return { problem: `${label}: no stream ${displayRoot}VBA/${candidates[0] ?? '?'}` };
  const stream = `${displayRoot}VBA/${streamName}`;
  const offset = m.text_offset ?? 0;
  if (m.text_offset === undefined) return { problem: `${label}: no MODULEOFFSET record` };
  if (offset >= bytes.length) return { problem: `${label}: MODULEOFFSET ${offset} is past the end of the ${bytes.length}-byte stream ${stream}` };
  const source = decompressContainer(bytes.subarray(offset), maxSize);
  const text = decoder.decode(source.data);
  const type: ModuleKind | 'unknown' = kinds.get(name.toLowerCase()) ?? (m.type_id === 0x21 ? 'standard' : m.type_id === 0x22 ? 'class' : 'unknown');
  const info: ModuleInfo = {
    name,
    stream,
    type,
    size: source.data.length,
    code_lines: text.length === 0 ? 0 : text.split(/\r\n|\r|\n/).length,
    text_offset: offset,
  };
  if (m.read_only) info.read_only = true;
  if (m.private) info.private = true;
  const problem = source.problem ? `${label} (${stream}): ${source.problem}` : undefined;
  return problem ? { module: { info, source: text }, problem } : { module: { info, source: text } };
}

/** The storage path as the file spells it (cfb keeps names' case), with a trailing '/'. */
function displayPath(cfb: CFB$Container, upperRoot: string): string {
  if (upperRoot === '') return '';
  const root = cfb.FullPaths[0] ?? '';
  const want = upperRoot.replace(/\/$/, '');
  for (const full of cfb.FullPaths) {
    const rel = (full.startsWith(root) ? full.slice(root.length) : full).replace(/\/$/, '');
    if (rel.toUpperCase() === want) return `${rel}/`;
  }
  return upperRoot;
}
