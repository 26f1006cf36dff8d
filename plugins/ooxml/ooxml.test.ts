import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Request, Stoq, type WorkerResponse } from 'rxstoq';
import { buildDocx, buildPptx, buildXmlBomb, REMOTE_TEMPLATE } from './fixtures/ooxml-builder.js';
import type { OoxmlResult } from './ooxml-result.js';
import { snakeCase } from './properties.js';

interface ZipView {
  members: string[];
  rels: Array<{ source_part: string; id: string; type_uri: string; target: string; external: boolean }>;
  main_part: string;
  main_content_type: string | null;
  core: Record<string, string>;
  app: Record<string, string | string[]>;
  custom?: Record<string, string>;
}

const CORE_KEYS: Record<string, string> = { lastModifiedBy: 'last_modified_by', lastPrinted: 'last_printed', contentStatus: 'content_status' };

describe('ooxml plugin', () => {
  let dir: string;
  let stoq: Stoq;
  const files: Record<string, string> = {};
  let reference: Record<string, ZipView>;
  const stoqs: Stoq[] = [];
  const plugins = new Map<string, { s: Stoq; plugin: { scan(p: Payload, r: Request, c: unknown): WorkerResponse } }>();

  const scan = async (content: Uint8Array) => {
    const response = await stoq.scan(content);
    const root = response.results[0]!;
    return { ooxml: root.workers['ooxml'] as OoxmlResult | undefined, errors: response.errors.map((e) => e.error), response };
  };
  const direct = async (content: Uint8Array, options: Record<string, unknown> = {}) => {
    const k = JSON.stringify(options);
    if (!plugins.has(k)) {
      const s = new Stoq({ logLevel: 'silent', pluginOpts: { ooxml: options } });
      stoqs.push(s);
      plugins.set(k, { s, plugin: (await s.loadPlugin('ooxml')) as never });
    }
    const { s, plugin } = plugins.get(k)!;
    const r = plugin.scan(new Payload(content), new Request(), { signal: new AbortController().signal, log: s.log });
    return { ooxml: r.results as unknown as OoxmlResult, errors: r.errors.map((e) => (typeof e === 'string' ? e : e.error)), extracted: r.extracted };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-ooxml-'));
    const made = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'fixtures', 'xlsx_samples.py'), dir], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`xlsxwriter failed: ${made.stderr}`);
    files['xlsxwriter workbook'] = join(dir, 'book.xlsx');
    files['xlsxwriter macro workbook'] = join(dir, 'macro.xlsm');
    for (const [name, build] of [
      ['docx with a remote template', () => buildDocx()],
      ['docm with a VBA project', () => buildDocx(true)],
      ['pptx', buildPptx],
    ] as const) {
      files[name] = join(dir, `${name.replace(/\W+/g, '-')}.zip`);
      writeFileSync(files[name]!, build());
    }
    const run = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'fixtures', 'zip_reference.py'), ...Object.values(files)], {
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    });
    if (run.status !== 0) throw new Error(`zipfile reference failed: ${run.stderr}`);
    const byFile = JSON.parse(run.stdout) as Record<string, ZipView>;
    reference = Object.fromEntries(Object.entries(files).map(([name, f]) => [name, byFile[f]!]));
    stoq = new Stoq({ alwaysDispatch: ['ooxml'], logLevel: 'silent' });
  });

  afterAll(async () => {
    await stoq?.close();
    for (const s of stoqs) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['xlsxwriter workbook', 'xlsxwriter macro workbook', 'docx with a remote template', 'docm with a VBA project', 'pptx'])(
    'reads what zipfile and xml.etree read from the %s',
    async (name) => {
      const ref = reference[name]!;
      const bytes = readFileSync(files[name]!);
      const { ooxml, errors, response } = await scan(bytes);
      expect(errors).toEqual([]);
      // Members are decompress's to extract, not ours.
      expect(response.results).toHaveLength(1);
      expect(ooxml!.member_count).toBe(ref.members.length);
      expect(ooxml!.main_part).toBe(ref.main_part);
      expect(ooxml!.main_content_type).toBe(ref.main_content_type);
      expect(ooxml!.relationship_count).toBe(ref.rels.length);
      expect(ooxml!.relationship_parts).toBe(ref.members.filter((m) => m.endsWith('.rels')).length);
      expect(ooxml!.external_relationships.map((r) => [r.source_part, r.id, r.type_uri, r.target])).toEqual(
        ref.rels.filter((r) => r.external).map((r) => [r.source_part, r.id, r.type_uri, r.target]),
      );
      expect(ooxml!.core_properties).toEqual(Object.fromEntries(Object.entries(ref.core).map(([k, v]) => [CORE_KEYS[k] ?? k, v])));
      const app = Object.fromEntries(Object.entries(ooxml!.app_properties).map(([k, v]) => [k, Array.isArray(v) ? v : String(v)]));
      expect(app).toEqual(Object.fromEntries(Object.entries(ref.app).map(([k, v]) => [snakeCase(k), v])));
      expect(ooxml!.custom_properties).toEqual(ref.custom ?? {});
      const vba = ref.members.filter((m) => m.endsWith('vbaProject.bin')).map((m) => `/${m}`);
      expect(ooxml!.vba_project_parts).toEqual(vba);
      expect(ooxml!.has_vba_project).toBe(vba.length > 0);
      expect(ooxml!.macro_enabled).toBe(/macroEnabled/.test(ref.main_content_type ?? ''));
    },
  );

  it('names each kind of external relationship and flags the dangerous ones', async () => {
    const { ooxml } = await direct(readFileSync(files['docx with a remote template']!));
    expect(ooxml.document_type).toBe('word');
    // In zip member order: the builder writes settings.xml.rels before document.xml.rels.
    expect(ooxml.external_relationships).toEqual([
      {
        source_part: '/word/settings.xml',
        id: 'rId1',
        type: 'attachedTemplate',
        type_uri: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate',
        target: REMOTE_TEMPLATE,
        category: 'remote_template',
      },
      {
        source_part: '/word/document.xml',
        id: 'rId2',
        type: 'hyperlink',
        type_uri: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink',
        target: 'https://evil.example/login?u=a&p=b',
        category: 'hyperlink',
      },
      {
        source_part: '/word/document.xml',
        id: 'rId3',
        type: 'image',
        type_uri: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/image',
        target: 'http://tracker.example/pixel.png',
        category: 'remote_image',
      },
      {
        source_part: '/word/document.xml',
        id: 'rId4',
        type: 'oleObject',
        type_uri: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject',
        target: 'file:///\\\\server\\share\\budget.xlsx!Sheet1!R1C1',
        category: 'ole_object_link',
      },
      {
        source_part: '/word/document.xml',
        id: 'rId5',
        type: 'frame',
        type_uri: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/frame',
        target: 'https://evil.example/frame.html',
        category: 'remote_frame',
      },
    ]);
    expect(ooxml.flags).toEqual(['ole_object_link', 'remote_frame', 'remote_image', 'remote_template']);
    expect(ooxml.embedded_parts).toEqual(['/word/embeddings/oleObject1.bin']);
    expect(ooxml.core_properties['title']).toBe('Invoice & “terms” — Ünïcode €5');
    expect(ooxml.core_properties['description']).toBe('Enable <content>');
    expect(ooxml.app_properties).toMatchObject({
      pages: 2,
      words: 345,
      total_time: 12,
      scale_crop: false,
      company: 'Contoso <Ltd>',
      titles_of_parts: ['Invoice'],
    });

    const docm = await direct(readFileSync(files['docm with a VBA project']!));
    expect(docm.ooxml).toMatchObject({ macro_enabled: true, has_vba_project: true, vba_project_parts: ['/word/vbaProject.bin'] });
    const pptx = await direct(readFileSync(files['pptx']!));
    expect(pptx.ooxml).toMatchObject({ document_type: 'powerpoint', flags: ['remote_media'] });
    expect(pptx.ooxml.app_properties).toMatchObject({ slides: 1, mm_clips: 1, presentation_format: 'Widescreen' });
    const xlsm = await direct(readFileSync(files['xlsxwriter macro workbook']!));
    expect(xlsm.ooxml).toMatchObject({ document_type: 'excel', macro_enabled: true, has_vba_project: true, vba_project_parts: ['/xl/vbaProject.bin'] });
  });

  describe('hostile input', () => {
    it('an XML part over max_xml_size: refused by its declared size, or stopped while inflating when the size lies', async () => {
      // 5 MB of whitespace, a few kB compressed.
      const bomb = buildXmlBomb(5_000_000);
      const honest = await direct(bomb, { max_xml_size: 1_000_000 });
      expect(honest.errors).toEqual([
        'ooxml: [Content_Types].xml: declares 5000000 bytes (max_xml_size); not read',
        'ooxml: no [Content_Types].xml: not an OOXML package',
      ]);
      expect(honest.ooxml.relationship_count).toBe(4);
      const lying = Buffer.from(bomb);
      lying.writeUInt32LE(100, lying.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
      const stopped = await direct(lying, { max_xml_size: 1_000_000 });
      expect(stopped.errors[0]).toBe('ooxml: [Content_Types].xml: inflates past 1000000 bytes (max_xml_size); not read');
      expect(stopped.ooxml.relationship_count).toBe(4);
      const small = await direct(readFileSync(files['docx with a remote template']!), { max_total_xml_size: 2000 });
      expect(small.errors.some((e) => /\(max_total_xml_size\); not read$/.test(e))).toBe(true);
    });

    it('a truncated zip: members found from local headers, damage reported', async () => {
      const whole = readFileSync(files['docx with a remote template']!);
      const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
      const { ooxml, errors } = await direct(cut);
      expect(errors[0]).toBe('ooxml: no end of central directory record (truncated?); members found from local headers');
      expect(ooxml.member_count).toBeGreaterThan(0);
      expect(ooxml.member_count).toBeLessThan(reference['docx with a remote template']!.members.length);
      expect(ooxml.main_part).toBe('/word/document.xml');
      for (const n of [0, 10, 29]) {
        const r = await direct(whole.subarray(0, n));
        expect(r.errors).toHaveLength(1);
        expect(r.errors[0]).toMatch(/^ooxml: not a readable zip/);
      }
      // One local header, its data cut short.
      const one = await direct(whole.subarray(0, 100));
      expect(one.ooxml.member_count).toBe(1);
      expect(one.errors).toContain('ooxml: [Content_Types].xml: damaged deflate data (unexpected end of file)');
    });

    it('corrupt deflate data, a damaged central directory, broken XML, too many members', async () => {
      const whole = Buffer.from(readFileSync(files['docx with a remote template']!));
      // Garbage over the first member's compressed data ([Content_Types].xml).
      const corrupt = Buffer.from(whole);
      corrupt.fill(0xff, 30 + 19, 30 + 19 + 40);
      const c = await direct(corrupt);
      expect(c.errors[0]).toMatch(/^ooxml: \[Content_Types\]\.xml: /);
      expect(c.ooxml.external_relationships).toHaveLength(5);

      const cdAt = whole.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      const damaged = Buffer.from(whole);
      damaged.writeUInt32LE(0, cdAt + 200 - ((cdAt + 200) % 1));
      expect((await direct(damaged)).ooxml.member_count).toBeGreaterThan(0);

      const many = await direct(whole, { max_members: 3 });
      expect(many.errors[0]).toBe('ooxml: more than 3 members (max_members); the rest are not read');
      expect(many.ooxml.member_count).toBe(3);
    });

    it('deeply nested and unterminated XML', async () => {
      const { parseXml } = await import('./xml-scan.js');
      const deep = parseXml('<a>'.repeat(100_000));
      expect(deep.problem).toBe('elements nested deeper than 256');
      expect(parseXml('<a><b x="1>').problem).toBe('unterminated tag at character 3');
      expect(parseXml('<a><b>t</a>').root.children[0]!.children[0]!.text).toBe('t');
    });

    it('a payload that is not a zip', async () => {
      expect((await direct(Buffer.from('plain text'))).errors).toEqual([
        'ooxml: not a readable zip: no end of central directory record (truncated?); members found from local headers',
      ]);
    });
  });
});
