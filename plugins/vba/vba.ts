import { type CFB$Container, find as cfbFind, read as cfbRead } from 'cfb';
import { ExtractedPayload, PayloadMeta, StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { analyse, type Finding } from './analysis.js';
import { type MraptorVerdict, mraptor } from './mraptor.js';
import { isOle, oleProblem } from './ole-guard.js';
import { isZip, readZipMembers } from './ooxml-zip.js';
import { type ExtractedModule, type ModuleInfo, type ProjectInfo, readProjects } from './vba-project.js';
import { type MacroSheet, readBiffGlobals } from './xlm.js';

const OptionsSchema = z.object({
  /** Largest payload read, in bytes (also the largest vbaProject.bin read from a zip). */
  max_size: z.number().int().positive().default(100_000_000),
  /** Modules read at most per VBA project. */
  max_modules: z.number().int().positive().default(1000),
  /** Largest decompressed source of one module, in bytes. */
  max_module_size: z.number().int().positive().default(10_000_000),
  /** Largest decompressed source of all modules together, in bytes. */
  max_total_source: z.number().int().positive().default(50_000_000),
  /** Largest decompressed `dir` stream, in bytes. */
  max_dir_size: z.number().int().positive().default(4_000_000),
  /** OLE directory entries at most; larger files are not read (cfb's path building is quadratic). */
  max_ole_entries: z.number().int().positive().default(20_000),
  /** Characters of module source analysed for keywords and IOCs; the rest is only extracted. */
  max_analysis_size: z.number().int().positive().default(1_000_000),
  /** Each module's source is extracted as a payload (UTF-8 text). */
  extract_modules: z.boolean().default(true),
  /** Plugins the extracted module sources are sent to, besides the dispatchers' choice. */
  module_dispatch_to: z.array(z.string()).default([]),
});

type Options = z.infer<typeof OptionsSchema>;

export interface VbaResult {
  container: 'ole' | 'ooxml' | null;
  projects: ProjectInfo[];
  modules: ModuleInfo[];
  xlm: { macro_sheets: MacroSheet[]; auto_names: string[] } | null;
  analysis: Finding[];
  mraptor: MraptorVerdict | null;
}

/** BIFF records read at most in a workbook's globals before giving up. */
const MAX_BIFF_RECORDS = 200_000;
const MAX_ZIP_MEMBERS = 10_000;

/**
 * VBA macros of Office documents: the projects in an OLE2 file (doc, xls, ppt, a bare
 * vbaProject.bin) or in the vbaProject.bin of an OOXML zip; each module's name, type and
 * decompressed source (MS-OVBA), the source extracted as a payload; olevba-style keyword and IOC
 * analysis; mraptor's verdict; Excel 4.0 macro sheets. Payloads with no VBA give an empty result.
 */
export class VbaPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  scan(payload: Payload): WorkerResponse {
    const problems: string[] = [];
    const result = scanVba(payload.content, this.options, problems);
    const extracted = this.options.extract_modules ? result.modules.map((m) => this.#modulePayload(m)) : [];
    const errors = problems.map((p) => new StoqError(`vba: ${p}`, this.plugin_name, payload.payload_id));
    return new WorkerResponse({ results: result.result, extracted, errors });
  }

  #modulePayload(m: ExtractedModule): ExtractedPayload {
    const ext = m.info.type === 'standard' ? 'bas' : m.info.type === 'form' ? 'frm' : m.info.type === 'unknown' ? 'vba' : 'cls';
    return new ExtractedPayload(
      Buffer.from(m.source, 'utf8'),
      new PayloadMeta({
        extra_data: {
          filename: `${m.info.name}.${ext}`,
          vba_module: m.info.name,
          vba_stream: m.info.stream,
          vba_project: m.project.name,
          code_page: m.project.code_page,
        },
        dispatch_to: [...this.options.module_dispatch_to],
      }),
    );
  }
}

interface Scanned {
  result: VbaResult;
  modules: ExtractedModule[];
}

export function scanVba(content: Uint8Array, options: Options, problems: string[]): Scanned {
  const result: VbaResult = { container: null, projects: [], modules: [], xlm: null, analysis: [], mraptor: null };
  const modules: ExtractedModule[] = [];
  if (content.length > options.max_size) {
    problems.push(`payload of ${content.length} bytes is larger than max_size (${options.max_size}): not read`);
    return { result, modules };
  }
  const sheets: MacroSheet[] = [];
  const autoNames: string[] = [];
  const readOle = (bytes: Uint8Array, where: string) => {
    const label = where ? `${where}: ` : '';
    const refused = oleProblem(bytes, options.max_ole_entries);
    if (refused) {
      problems.push(`${label}OLE file not read: ${refused}`);
      return;
    }
    let cfb: CFB$Container;
    try {
      cfb = cfbRead(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { type: 'buffer' });
    } catch (err) {
      problems.push(`${label}OLE file not read: ${(err as Error).message}`);
      return;
    }
    const read = readProjects(cfb, { ...options, max_total_source: options.max_total_source - modules.reduce((n, m) => n + m.info.size, 0) }, where || null);
    result.projects.push(...read.projects);
    modules.push(...read.modules);
    problems.push(...read.problems.map((p) => label + p));
    for (const name of ['Workbook', 'Book']) {
      const entry = cfbFind(cfb, `/${name}`);
      if (entry?.type !== 2 || !entry.content) continue;
      const xlm = readBiffGlobals(Uint8Array.from(entry.content as ArrayLike<number>), name, MAX_BIFF_RECORDS);
      sheets.push(...xlm.macro_sheets);
      autoNames.push(...xlm.auto_names);
      problems.push(...xlm.problems.map((p) => label + p));
      break;
    }
  };
  if (isOle(content)) {
    result.container = 'ole';
    readOle(content, '');
  } else if (isZip(content)) {
    const zip = readZipMembers(content, options.max_size, MAX_ZIP_MEMBERS);
    problems.push(...zip.problems);
    if (zip.vba_projects.length > 0 || zip.macro_sheets.length > 0) result.container = 'ooxml';
    for (const member of zip.vba_projects) {
      if (isOle(member.data)) readOle(member.data, member.path);
      else problems.push(`${member.path}: not an OLE file`);
    }
    sheets.push(...zip.macro_sheets.map((path): MacroSheet => ({ name: path.replace(/^.*\//, '').replace(/\.xml$/i, ''), state: 'visible', source: path })));
  }
  result.modules = modules.map((m) => m.info);
  if (sheets.length > 0 || autoNames.length > 0) result.xlm = { macro_sheets: sheets, auto_names: [...new Set(autoNames)] };
  if (modules.length > 0 || sheets.length > 0) {
    let code = modules.map((m) => `${m.source}\n`).join('');
    if (code.length > options.max_analysis_size) {
      problems.push(`module sources of ${code.length} characters: only the first ${options.max_analysis_size} (max_analysis_size) are analysed`);
      code = code.slice(0, options.max_analysis_size);
    }
    // olevba scans its dump of the workbook globals too, which names the Auto_Open cells.
    const xlmText = sheets.length > 0 ? autoNames.map((n) => `${n}\n`).join('') : '';
    result.analysis = analyse(code + xlmText, { xlmMacroSheets: sheets.length > 0 });
    if (modules.length > 0) result.mraptor = mraptor(code);
  }
  return { result, modules };
}
