import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Stoq, type WorkerResponse } from 'rxstoq';
import { PdfDocument } from './document.js';
import { buildPdf, buildPdfXrefStream, objectStream, type PdfObject } from './fixtures/pdf-builder.js';
import { ATTACHED, content, CONTENT_FILTERS, LAUNCH, OPEN_JS, PAGE_JS, richPdf, TITLE, updatedPdf, URI, WC_JS, zlibBomb } from './fixtures/samples.js';
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

let dir: string;
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('pdf plugin against qpdf, poppler and pdfminer', () => {
  let stoq: Stoq;
  let ref: Record<string, Reference>;
  const scanned: Record<string, { pdf: PdfResult; response: WorkerResponse }> = {};
  const files = () => Object.keys(ref);
  const errorsOf = (response: WorkerResponse) => response.errors.map((e) => (typeof e === 'string' ? e : e.error));
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

describe('pdf plugin on hostile input', () => {
  let stoq: Stoq;
  let plugin: PdfPlugin;
  const scan = (bytes: Uint8Array) => {
    const response = plugin.scan(new Payload(bytes));
    const errors = response.errors.map((e) => (typeof e === 'string' ? e : e.error));
    return { pdf: response.results as unknown as PdfResult, errors, response };
  };

  beforeAll(async () => {
    stoq = new Stoq({ logLevel: 'silent' });
    plugin = (await stoq.loadPlugin('pdf')) as PdfPlugin;
  });
  afterAll(async () => {
    await stoq?.close();
  });

  it('follows a 100,000-deep reference chain in a loop, stops at max_reference_depth and keeps the rest', () => {
    const depth = 100_000;
    const objects: PdfObject[] = [
      { num: 1, body: '<< /Type /Catalog /Pages 2 0 R /OpenAction 10 0 R >>' },
      { num: 2, body: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
      { num: 3, body: '<< /Type /Page /Parent 2 0 R >>' },
    ];
    for (let i = 0; i < depth; i++) objects.push({ num: 10 + i, body: `${11 + i} 0 R` });
    objects.push({ num: 10 + depth, body: '<< /S /JavaScript /JS (deep) >>' });
    const { pdf, errors } = scan(buildPdf(objects, '/Root 1 0 R /Info 10 0 R'));
    expect(errors).toContain('pdf: reference chain deeper than max_reference_depth (64) at object 74');
    expect(pdf.page_count).toBe(1);
    expect(pdf.object_count).toBe(depth + 4);
    expect(pdf.open_action).toEqual({ kind: 'missing', action: null, object: 10 });
    expect(pdf.info).toBeNull();
    // The script at the end of the chain is still found by the pass over every object.
    expect(pdf.javascript).toEqual([{ object: 10 + depth, source: 'string', size: 4, extracted: true }]);
  });

  it('rebuilds the xref by scanning when startxref points past the end of the file', () => {
    const text = richPdf()
      .toString('latin1')
      .replace(/startxref\s+\d+/, 'startxref\n99999999');
    const { pdf, errors } = scan(Buffer.from(text, 'latin1'));
    expect(errors).toEqual([`pdf: xref offset 99999999 is outside the file (${text.length} bytes)`]);
    expect(pdf.xref.rebuilt).toBe(true);
    expect([pdf.page_count, pdf.info!['Title'], pdf.javascript.length, pdf.embedded_files[0]!.name]).toEqual([3, TITLE, 3, ATTACHED.name]);
  });

  it('rebuilds a file with object streams and a broken xref stream from its objects and their object streams', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rxstoq-pdf-'));
    writeFileSync(join(tmp, 'base.pdf'), richPdf());
    const made = spawnSync('qpdf', ['--object-streams=generate', join(tmp, 'base.pdf'), join(tmp, 'objstm.pdf')]);
    const objstm = readFileSync(join(tmp, 'objstm.pdf'));
    rmSync(tmp, { recursive: true, force: true });
    expect(made.status).toBe(0);
    // startxref 5 bytes off: no xref stream there, so every object is found by scanning, and
    // the members of the object stream through it.
    const text = objstm.toString('latin1').replace(/startxref\s+(\d+)/, (_, n: string) => `startxref\n${Number(n) + 5}`);
    const { pdf, errors } = scan(Buffer.from(text, 'latin1'));
    expect(pdf.xref.rebuilt).toBe(true);
    expect(errors).toEqual([expect.stringMatching(/^pdf: no xref table or xref stream at offset \d+$/)]);
    expect([pdf.page_count, pdf.info!['Title'], pdf.javascript.length, pdf.uris.map((u) => u.uri)]).toEqual([3, TITLE, 3, [URI]]);
  });

  it('keeps what a truncated file still holds', () => {
    const whole = richPdf();
    const cut = whole.subarray(0, whole.indexOf('27 0 obj'));
    const { pdf, errors } = scan(cut);
    expect(errors).toContain('pdf: no startxref: the xref is rebuilt by scanning for objects');
    expect(pdf.version).toBe('1.7');
    expect(pdf.page_count).toBe(3);
    expect(pdf.info).toBeNull();
    expect(pdf.javascript.map((j) => j.object)).toEqual([10, 14, 24]);
    expect(pdf.embedded_files).toEqual([{ name: ATTACHED.name, size: null, object: 27, source: 'annotation', extracted: false }]);
  });

  it('stops a stream that would inflate to 10 GiB at max_stream_bytes', async () => {
    const bomb = zlibBomb(10);
    const pdf0 = buildPdf(
      [
        { num: 1, body: '<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>' },
        { num: 2, body: '<< /Type /Pages /Kids [] /Count 0 >>' },
        { num: 3, body: '<< /S /JavaScript /JS 4 0 R >>' },
        { num: 4, body: '<< /Filter /FlateDecode >>', stream: bomb },
      ],
      '/Root 1 0 R',
    );
    const small = new Stoq({ logLevel: 'silent', pluginOpts: { pdf: { max_stream_bytes: 4 << 20 } } });
    const limited = (await small.loadPlugin('pdf')) as PdfPlugin;
    const response = limited.scan(new Payload(pdf0));
    await small.close();
    const pdf = response.results as unknown as PdfResult;
    expect(response.errors.map((e) => (typeof e === 'string' ? e : e.error))).toEqual([
      `pdf: JavaScript stream 4: decoded data passes max_stream_bytes (${4 << 20}); not decoded`,
    ]);
    expect(pdf.open_action).toEqual({ kind: 'action', action: 'JavaScript', object: 3 });
    expect(response.extracted).toEqual([]);
  });

  it('extracts at most max_javascript scripts and decodes at most max_total_decoded_bytes', async () => {
    const objects: PdfObject[] = [
      { num: 1, body: '<< /Type /Catalog /Pages 2 0 R >>' },
      { num: 2, body: '<< /Type /Pages /Kids [] /Count 0 >>' },
    ];
    for (let i = 0; i < 4; i++) {
      objects.push({ num: 10 + i, body: `<< /S /JavaScript /JS ${20 + i} 0 R >>` });
      objects.push({ num: 20 + i, body: '<< /Filter /ASCIIHexDecode >>', stream: Buffer.from(Buffer.alloc(60, 0x61 + i).toString('hex')) });
    }
    const small = new Stoq({ logLevel: 'silent', pluginOpts: { pdf: { max_javascript: 2, max_total_decoded_bytes: 150 } } });
    const limited = (await small.loadPlugin('pdf')) as PdfPlugin;
    const response = limited.scan(new Payload(buildPdf(objects, '/Root 1 0 R')));
    await small.close();
    expect(response.errors.map((e) => (typeof e === 'string' ? e : e.error))).toEqual([
      'pdf: JavaScript stream 22: decoded data passes what is left of max_total_decoded_bytes (30 of 150); not decoded',
      'pdf: max_total_decoded_bytes (150) reached: JavaScript stream 23 not decoded',
    ]);
    expect(response.extracted.map((e) => Buffer.from(e.content).toString())).toEqual(['a'.repeat(60), 'b'.repeat(60)]);
  });

  it('reports object streams that contain themselves or each other', () => {
    const members = objectStream([{ num: 9, body: '<< /Type /Catalog /Pages 6 0 R >>' }]);
    const bytes = buildPdfXrefStream(
      [{ num: 7, body: `<< /Type /ObjStm /N ${members.n} /First ${members.first} >>`, stream: members.data }],
      [
        { num: 5, stream: 6, index: 0 },
        { num: 6, stream: 5, index: 0 },
        { num: 8, stream: 8, index: 0 },
        { num: 9, stream: 7, index: 0 },
      ],
      '/Root 9 0 R',
    );
    const { pdf, errors } = scan(bytes);
    expect(errors).toEqual(
      expect.arrayContaining(['pdf: object stream 8 is itself inside an object stream', 'pdf: object stream 5 is itself inside an object stream']),
    );
    // The one good object stream still gives its member.
    expect(pdf.object_streams).toEqual({ count: 1, objects: 1 });
    expect(pdf.object_types['Catalog']).toBe(1);
  });

  it('finds the data of streams whose /Length lies (too long, too short, a missing reference)', () => {
    const js = Buffer.from(PAGE_JS);
    for (const length of ['999999', '3', '77 0 R']) {
      const bytes = buildPdf(
        [
          { num: 1, body: '<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>' },
          { num: 2, body: '<< /Type /Pages /Kids [] /Count 0 >>' },
          { num: 3, body: '<< /S /JavaScript /JS 4 0 R >>' },
          { num: 4, body: '<< >>', stream: js, length },
        ],
        '/Root 1 0 R',
      );
      const { pdf, errors, response } = scan(bytes);
      expect(errors).toEqual([
        length === '77 0 R'
          ? `pdf: stream 4 0: no usable /Length (${js.length} bytes used, up to endstream)`
          : `pdf: stream 4 0: /Length ${length} does not end at endstream (${js.length} bytes used)`,
      ]);
      expect(pdf.javascript).toEqual([{ object: 4, source: 'stream', size: js.length, extracted: true }]);
      expect(Buffer.from(response.extracted[0]!.content).equals(js)).toBe(true);
    }
  });

  it('counts a page tree with a /Kids loop once per node', () => {
    const bytes = buildPdf(
      [
        { num: 1, body: '<< /Type /Catalog /Pages 2 0 R >>' },
        { num: 2, body: '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>' },
        { num: 3, body: '<< /Type /Page /Parent 2 0 R >>' },
        { num: 4, body: '<< /Type /Pages /Kids [2 0 R 3 0 R] >>' },
      ],
      '/Root 1 0 R',
    );
    const { pdf, errors } = scan(bytes);
    expect(pdf.page_count).toBe(1);
    expect(errors).toEqual([
      'pdf: page tree visits object 2 twice (a loop or a shared node)',
      'pdf: page tree visits object 3 twice (a loop or a shared node)',
    ]);
  });

  it('parses 100,000 nested arrays without recursion', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const { pdf, errors } = scan(buildPdf([{ num: 1, body: `<< /Type /Catalog /Deep ${deep} >>` }], '/Root 1 0 R'));
    expect(errors).toEqual([]);
    expect(pdf.object_types).toEqual({ Catalog: 1 });
  });

  it('says what is wrong with garbage and keeps a result', () => {
    let x = 12345;
    const garbage = Buffer.from(
      Array.from({ length: 65_536 }, () => {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        return x >>> 24;
      }),
    );
    for (const bytes of [garbage, Buffer.concat([Buffer.from('%PDF-1.4\n'), garbage]), Buffer.alloc(0)]) {
      const { pdf, errors } = scan(bytes);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => e.startsWith('pdf: '))).toBe(true);
      expect(pdf.page_count).toBeNull();
      expect(errors).toContain('pdf: no document catalog (/Root)');
    }
  });
});
