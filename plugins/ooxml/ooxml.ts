import { StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import type { ExternalRelationship, OoxmlResult } from './ooxml-result.js';
import { appProperties, coreProperties, customProperties } from './properties.js';
import { categoryOf, relationships, resolveTarget, shortType, sourcePartOf } from './relationships.js';
import { parseXml, type XmlNode } from './xml-scan.js';
import { MemberTooLarge, readMember, readZipDirectory, type ZipMember } from './zip-reader.js';

const OptionsSchema = z.object({
  /** Zip members listed at most. */
  max_members: z.number().int().positive().default(10_000),
  /** Largest XML part read (inflated), in bytes; a bigger one is skipped with an error. */
  max_xml_size: z.number().int().positive().default(10_000_000),
  /** Inflated bytes of all XML parts read from one package at most. */
  max_total_xml_size: z.number().int().positive().default(50_000_000),
  /** Relationship (.rels) parts read at most. */
  max_relationship_parts: z.number().int().positive().default(2_000),
  /** External relationships listed at most. */
  max_external_relationships: z.number().int().positive().default(10_000),
});

const OFFICE_DOCUMENT = /\/officeDocument$/;
const MAIN_TYPE =
  /\.(document|template|sheet|slideshow|presentation|addin)(\.macroEnabled(Template)?)?\.main(\+xml)?$|macroEnabled(Template)?\.main\+xml$|\.sheet\.binary\.macroEnabled\.main$/i;
const MAX_ERRORS = 20;

/** OPC part names compare case-insensitively; zips written on Windows may use backslashes. */
const key = (name: string) => name.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();

/**
 * Office Open XML packages: docx/xlsx/pptx and their macro-enabled and template kinds. Reads the
 * zip's directory and only the XML parts it needs (content types, properties, relationships),
 * each inflated within a budget; members are extracted by `decompress`, not here.
 */
export class OoxmlPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  scan(payload: Payload): WorkerResponse {
    const o = this.options;
    const bytes = payload.content;
    const problems: string[] = [];
    const zip = readZipDirectory(bytes, o.max_members);
    if (zip.members.length === 0) {
      return new WorkerResponse({ results: {}, errors: [this.#error(payload, `not a readable zip: ${zip.problems.join('; ') || 'no members'}`)] });
    }
    problems.push(...zip.problems);
    const byName = new Map<string, ZipMember>();
    for (const m of zip.members) if (!byName.has(key(m.name))) byName.set(key(m.name), m);

    let budget = o.max_total_xml_size;
    const xml = (name: string): XmlNode | null => {
      const m = byName.get(key(name));
      if (!m) return null;
      const limit = Math.min(o.max_xml_size, budget);
      try {
        const data = readMember(bytes, m, limit);
        budget -= data.length;
        const { root, problem } = parseXml(decodeText(data));
        if (problem) problems.push(`${m.name}: ${problem}`);
        return root;
      } catch (e) {
        const why =
          e instanceof MemberTooLarge ? `${e.message} (${limit < o.max_xml_size ? 'max_total_xml_size' : 'max_xml_size'}); not read` : (e as Error).message;
        problems.push(`${m.name}: ${why}`);
        return null;
      }
    };

    // Content types: Default by extension, Override by part name.
    const defaults = new Map<string, string>();
    const overrides = new Map<string, string>();
    const types = xml('[Content_Types].xml');
    if (!types) problems.push('no [Content_Types].xml: not an OOXML package');
    for (const c of types?.children.find((n) => n.name === 'Types')?.children ?? []) {
      if (c.name === 'Default' && c.attrs['Extension']) defaults.set(c.attrs['Extension'].toLowerCase(), c.attrs['ContentType'] ?? '');
      if (c.name === 'Override' && c.attrs['PartName']) overrides.set(key(c.attrs['PartName']), c.attrs['ContentType'] ?? '');
    }
    const contentType = (part: string) => overrides.get(key(part)) ?? defaults.get(part.slice(part.lastIndexOf('.') + 1).toLowerCase()) ?? null;

    // Every relationship part.
    const external: ExternalRelationship[] = [];
    let relsParts = 0;
    let relCount = 0;
    let mainPart: string | null = null;
    for (const m of zip.members) {
      if (!/(^|\/)_rels\/[^/]*\.rels$/i.test(m.name.replace(/\\/g, '/'))) continue;
      if (relsParts >= o.max_relationship_parts) {
        problems.push(`more than ${o.max_relationship_parts} relationship parts (max_relationship_parts); the rest are not read`);
        break;
      }
      relsParts++;
      const root = xml(m.name);
      if (!root) continue;
      const source = sourcePartOf(m.name.replace(/\\/g, '/'));
      for (const r of relationships(root)) {
        relCount++;
        if (source === '/' && OFFICE_DOCUMENT.test(r.type) && !r.external && mainPart === null) mainPart = resolveTarget('/', r.target);
        if (!r.external) continue;
        if (external.length >= o.max_external_relationships) continue;
        external.push({ source_part: source, id: r.id, type: shortType(r.type), type_uri: r.type, target: r.target, category: categoryOf(r.type) });
      }
    }
    if (external.length >= o.max_external_relationships)
      problems.push(`more than ${o.max_external_relationships} external relationships; the rest are not listed`);
    if (mainPart === null) {
      const found = [...overrides].find(([, t]) => MAIN_TYPE.test(t));
      if (found) mainPart = `/${zip.members.find((m) => key(m.name) === found[0])?.name ?? found[0]}`;
    }
    const mainType = mainPart ? contentType(mainPart) : null;

    const partType = (m: ZipMember) => contentType(m.name) ?? '';
    const names = zip.members.map((m) => ({ name: `/${m.name.replace(/\\/g, '/').replace(/^\/+/, '')}`, type: partType(m) }));
    const vba = names.filter((p) => p.type === 'application/vnd.ms-office.vbaProject' || /\/vbaProject\.bin$/i.test(p.name)).map((p) => p.name);
    const core = xml('docProps/core.xml');
    const app = xml('docProps/app.xml');
    const custom = xml('docProps/custom.xml');

    const results: OoxmlResult = {
      document_type: documentType(mainType),
      main_part: mainPart,
      main_content_type: mainType,
      macro_enabled: /macroEnabled/i.test(mainType ?? ''),
      has_vba_project: vba.length > 0,
      vba_project_parts: vba,
      macro_sheets: names.filter((p) => /macrosheet\+xml$/i.test(p.type)).map((p) => p.name),
      activex_parts: names.filter((p) => p.type === 'application/vnd.ms-office.activeX+xml').length,
      embedded_parts: names.filter((p) => /\/embeddings\/[^/]+$/i.test(p.name)).map((p) => p.name),
      core_properties: core ? coreProperties(core) : {},
      app_properties: app ? appProperties(app) : {},
      custom_properties: custom ? customProperties(custom) : {},
      member_count: zip.members.length,
      relationship_parts: relsParts,
      relationship_count: relCount,
      external_relationships: external,
      flags: [...new Set(external.map((r) => r.category).filter((c) => c !== 'hyperlink'))].sort(),
    };
    const errors = problems.slice(0, MAX_ERRORS).map((p) => this.#error(payload, p));
    if (problems.length > MAX_ERRORS) errors.push(this.#error(payload, `${problems.length - MAX_ERRORS} more problems not listed`));
    return new WorkerResponse({ results, errors });
  }

  #error(payload: Payload, message: string): StoqError {
    return new StoqError(`ooxml: ${message}`, this.plugin_name, payload.payload_id);
  }
}

function documentType(contentType: string | null): string | null {
  if (!contentType) return null;
  if (/wordprocessingml|ms-word/i.test(contentType)) return 'word';
  if (/spreadsheetml|ms-excel/i.test(contentType)) return 'excel';
  if (/presentationml|ms-powerpoint/i.test(contentType)) return 'powerpoint';
  return null;
}

/** XML parts are UTF-8 unless a byte order mark says UTF-16. */
function decodeText(b: Uint8Array): string {
  if (b[0] === 0xff && b[1] === 0xfe) return new TextDecoder('utf-16le').decode(b.subarray(2));
  if (b[0] === 0xfe && b[1] === 0xff) return new TextDecoder('utf-16be').decode(b.subarray(2));
  return new TextDecoder('utf-8').decode(b);
}
