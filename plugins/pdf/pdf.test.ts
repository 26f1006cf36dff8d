import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Stoq, type WorkerResponse } from 'rxstoq';
import { PdfDocument } from './document.js';
import { ATTACHED, content, CONTENT_FILTERS, LAUNCH, OPEN_JS, PAGE_JS, richPdf, TITLE, updatedPdf, URI, WC_JS } from './fixtures/samples.js';
import type { PdfResult } from './pdf-result.js';
import type { PdfPlugin } from './pdf.js';

const REFERENCE = join(import.meta.dirname, 'fixtures', 'reference.py');
const LIMITS = { max_objects: 200_000, max_stream_bytes: 64 << 20, max_total_decoded_bytes: 256 << 20, max_reference_depth: 64 };

interface Reference {
  qpdf: {
    object_count: number;
    types: Record<string, number>;
    streams: Record<string, string>;
    scripts: (string | null)[];
    uris: string[];
    encrypt: { P: number; R: number; V: number; bits: number; streammethod: string; stringmethod: string };
    pages: number;
  };
  pdfinfo: Record<string, string>;
  pdfdetach?: { names: string[]; files: Record<string, string> };
  pdfminer?: { info: Record<string, string>; object_ids: number; encrypted: boolean };
}

/** pdfinfo -isodates writes "2024-01-02T03:04:05+01": the same instant in UTC, as the plugin gives it. */
function utc(iso: string): string {
  return new Date(Date.parse(iso.replace(/([+-]\d\d)$/, '$1:00'))).toISOString().replace('.000Z', 'Z');
}

describe('pdf plugin against qpdf, poppler and pdfminer', () => {
  let dir: string;
  let stoq: Stoq;
  let ref: Record<string, Reference>;
  const scanned: Record<string, { pdf: PdfResult; response: WorkerResponse }> = {};
  const files = () => Object.keys(ref);
  const errorsOf = (response: WorkerResponse) => response.errors.map((e) => e.error);
  const extractedOf = (response: WorkerResponse, kind: string) => response.extracted.filter((e) => e.payload_meta.extra_data['pdf_kind'] === kind);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-pdf-'));
    writeFileSync(join(dir, 'base.pdf'), richPdf());
    writeFileSync(join(dir, 'updated.pdf'), updatedPdf());
    writeFileSync(join(dir, 'payload.bin'), Buffer.from('MZ\x90\x00 attached by pdfattach\n', 'latin1'));
    const run = spawnSync('/usr/bin/python3', [REFERENCE, dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.status !== 0) throw new Error(`reference.py failed: ${run.stderr}`);
    ref = JSON.parse(run.stdout) as Record<string, Reference>;
    stoq = new Stoq({ alwaysDispatch: ['pdf'], logLevel: 'silent' });
    const plugin = (await stoq.loadPlugin('pdf')) as PdfPlugin;
    for (const name of files()) {
      const response = plugin.scan(new Payload(readFileSync(join(dir, name))));
      scanned[name] = { pdf: response.results as unknown as PdfResult, response };
    }
  });

  afterAll(async () => {
    await stoq?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has every variant the reference script makes', () => {
    expect(files().sort()).toEqual(
      ['aes128-objstm.pdf', 'aes256.pdf', 'attached.pdf', 'base.pdf', 'linearized.pdf', 'locked.pdf', 'objstm.pdf', 'qdf.pdf', 'rc4.pdf', 'updated.pdf'].sort(),
    );
  });

  it.each(['base.pdf', 'updated.pdf', 'objstm.pdf', 'qdf.pdf', 'linearized.pdf', 'aes256.pdf', 'aes128-objstm.pdf', 'rc4.pdf', 'attached.pdf', 'locked.pdf'])(
    '%s: pages, version, encryption and Info as pdfinfo prints them',
    (name) => {
      const { pdf } = scanned[name]!;
      const info = ref[name]!.pdfinfo;
      expect(String(pdf.page_count)).toBe(info['Pages']);
      expect(pdf.version).toBe(info['PDF version']);
      expect(pdf.encryption !== null).toBe(info['Encrypted']!.startsWith('yes'));
      expect(pdf.linearized).toBe(info['Optimized'] === 'yes');
      if (name === 'locked.pdf') {
        expect(pdf.info).toBeNull();
        return;
      }
      for (const key of ['Title', 'Subject', 'Keywords', 'Author', 'Creator', 'Producer']) expect(pdf.info![key]).toBe(info[key]);
      expect(pdf.info_dates.creation_date).toBe(info['CreationDate'] && utc(info['CreationDate']));
      expect(pdf.info_dates.mod_date).toBe(info['ModDate'] && utc(info['ModDate']));
    },
  );

  it.each(['base.pdf', 'updated.pdf', 'objstm.pdf', 'qdf.pdf', 'linearized.pdf', 'aes256.pdf', 'aes128-objstm.pdf', 'rc4.pdf', 'attached.pdf', 'locked.pdf'])(
    '%s: object count, objects by /Type, scripts and URIs as qpdf --json gives them',
    (name) => {
      const { pdf, response } = scanned[name]!;
      const q = ref[name]!.qpdf;
      expect(pdf.object_count).toBe(q.object_count);
      expect(pdf.object_types).toEqual(q.types);
      expect(pdf.page_count).toBe(q.pages);
      if (name === 'locked.pdf') {
        expect(pdf.javascript.every((j) => !j.extracted)).toBe(true);
        expect(pdf.uris).toEqual([]);
        expect(errorsOf(response)).toEqual(['pdf: encrypted, and the empty user password does not open it: strings and streams are not decrypted']);
        return;
      }
      expect(errorsOf(response)).toEqual([]);
      expect(pdf.uris.map((u) => u.uri)).toEqual(q.uris);
      const scripts = extractedOf(response, 'javascript');
      expect(scripts.every((s) => s.payload_meta.dispatch_to.includes('javascript'))).toBe(true);
      const texts = (list: (string | null)[]) => [...list].sort();
      expect(texts(scripts.map((s) => Buffer.from(s.content).toString('utf8')))).toEqual(texts(q.scripts));
      expect(texts(q.scripts)).toEqual(texts([OPEN_JS, PAGE_JS, WC_JS]));
    },
  );

  it.each(['base.pdf', 'updated.pdf', 'objstm.pdf', 'qdf.pdf', 'linearized.pdf', 'rc4.pdf', 'attached.pdf'])(
    '%s: Info and the number of xref objects as pdfminer reads them',
    (name) => {
      const { pdf } = scanned[name]!;
      const m = ref[name]!.pdfminer!;
      expect(pdf.info).toEqual(m.info);
      expect(pdf.object_count).toBe(m.object_ids);
      expect(pdf.encryption !== null).toBe(m.encrypted);
    },
  );

  it.each(['aes256.pdf', 'aes128-objstm.pdf'])('%s: Info as pdfminer reads it but for the AES padding pdfminer 20221105 leaves on strings', (name) => {
    const m = ref[name]!.pdfminer!;
    const { pdf } = scanned[name]!;
    expect(Object.keys(pdf.info!).sort()).toEqual(Object.keys(m.info).sort());
    for (const [k, v] of Object.entries(pdf.info!)) {
      const padding = m.info[k]!.slice(v.length);
      expect(m.info[k]!.startsWith(v)).toBe(true);
      expect(padding.length).toBeLessThanOrEqual(16);
      expect([...padding].every((c) => c === padding[0])).toBe(true);
    }
    expect(pdf.object_count).toBe(m.object_ids);
  });

  it('routes through Stoq: scripts go on to the javascript plugin, embedded files are extracted with their names', async () => {
    const response = await stoq.scan(readFileSync(join(dir, 'attached.pdf')));
    const children = response.results.slice(1).map((r) => [r.payload_meta.extra_data['filename'], r.payload_meta.dispatch_to]);
    expect(children).toEqual(
      expect.arrayContaining([
        ['payload.bin', []],
        [ATTACHED.name, []],
        [expect.stringMatching(/^javascript_10_\d+\.js$/), ['javascript']],
      ]),
    );
    expect(response.errors.filter((e) => e.payload_id === response.results[0]!.payload_id)).toEqual([]);
  });

  it.each(['base.pdf', 'attached.pdf', 'objstm.pdf', 'aes256.pdf'])('%s: embedded files with the names and bytes pdfdetach saves', (name) => {
    const { pdf, response } = scanned[name]!;
    const d = ref[name]!.pdfdetach!;
    expect(pdf.embedded_files.map((f) => f.name)).toEqual(d.names);
    const files = extractedOf(response, 'embedded_file');
    const got = Object.fromEntries(files.map((f) => [f.payload_meta.extra_data['filename'], Buffer.from(f.content).toString('base64')]));
    expect(got).toEqual(d.files);
    expect(got[ATTACHED.name]).toBe(ATTACHED.data.toString('base64'));
  });

  it('every filter decodes as qpdf decodes it (AHx, A85, LZW with table resets, RL, Flate with a PNG predictor, a chain)', () => {
    const doc = new PdfDocument(readFileSync(join(dir, 'base.pdf')), LIMITS);
    const streams = ref['base.pdf']!.qpdf.streams;
    CONTENT_FILTERS.forEach(([, parms], i) => {
      const num = 30 + i;
      const stream = doc.getObject(num);
      const decoded = doc.decode(stream as never, `stream ${num}`);
      expect(Buffer.from(decoded!).toString('base64')).toBe(streams[String(num)]);
      // The predictor works on whole rows of 16 bytes: the last one is padded with zeros.
      const want = content(i + 1);
      const padded = parms.includes('Predictor') ? Buffer.concat([want, Buffer.alloc((16 - (want.length % 16)) % 16)]) : want;
      expect(Buffer.from(decoded!).equals(padded)).toBe(true);
    });
    expect(doc.damage).toEqual([]);
  });

  it('encryption parameters as qpdf reports them; each opens with the empty user password but the locked one', () => {
    for (const name of ['aes256.pdf', 'aes128-objstm.pdf', 'rc4.pdf', 'locked.pdf']) {
      const e = scanned[name]!.pdf.encryption!;
      const q = ref[name]!.qpdf.encrypt;
      expect([e.v, e.r, e.length, e.p]).toEqual([q.V, q.R, q.bits, q.P]);
      const method = (m: string | null) => (m === 'V2' ? 'RC4' : m?.replace('AESV', 'AESv'));
      expect([method(e.stream_method), method(e.string_method)]).toEqual([q.streammethod, q.stringmethod]);
      expect(e.filter).toBe('Standard');
      expect(e.decrypted).toBe(name !== 'locked.pdf');
    }
  });

  it('reads actions: the OpenAction script, the URI link, the Launch action, /AA of catalog and page', () => {
    const { pdf } = scanned['base.pdf']!;
    expect(pdf.open_action).toEqual({ kind: 'action', action: 'JavaScript', object: 10 });
    expect(pdf.uris).toEqual([{ uri: URI, object: 20 }]);
    expect(pdf.launch_actions).toEqual([{ file: LAUNCH.file, parameters: LAUNCH.parameters, operation: 'open', object: 22 }]);
    expect(pdf.additional_actions).toEqual([
      { owner: 'Catalog', owner_object: 1, trigger: 'WC', kind: 'action', action: 'JavaScript', object: 14 },
      { owner: 'Page', owner_object: 4, trigger: 'O', kind: 'action', action: 'JavaScript', object: 23 },
    ]);
    expect(pdf.action_types).toEqual({ JavaScript: 3, URI: 1, Launch: 1 });
    expect(pdf.javascript.map((j) => [j.object, j.source])).toEqual([
      [10, 'string'],
      [14, 'string'],
      [24, 'stream'],
    ]);
    expect(pdf.xmp!.fields).toMatchObject({
      'dc:title': TITLE,
      'dc:creator': 'Alice; Bob',
      'pdf:Producer': 'rxstoq & friends',
      'xmp:CreatorTool': 'rxstoq pdf-builder',
    });
    expect(pdf.xref).toEqual({ sections: 1, kinds: ['table'], startxref: expect.any(Number), rebuilt: false, eof_markers: 1 });
  });

  it('counts incremental updates and takes the newest Info', () => {
    expect(scanned['updated.pdf']!.pdf.xref).toMatchObject({ sections: 2, kinds: ['table', 'table'], eof_markers: 2 });
    expect(scanned['updated.pdf']!.pdf.info!['Title']).toBe('Updated title');
    expect(scanned['objstm.pdf']!.pdf.xref.kinds).toEqual(['stream']);
    expect(scanned['objstm.pdf']!.pdf.object_streams).toEqual({ count: 1, objects: expect.any(Number) });
    expect(scanned['linearized.pdf']!.pdf.xref.sections).toBe(2);
  });
});
