import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Request, Stoq, type WorkerResponse } from 'rxstoq';
import { buildCfb, setFat } from './fixtures/cfb-builder.js';
import { escapeName, olecfexport, olecfinfo } from './fixtures/libolecf-output.js';
import {
  buildEncryptedExcel,
  buildEncryptedPackage,
  buildEncryptedPowerPoint,
  buildEncryptedWord,
  buildWord,
  EMBEDDED,
  wordSpec,
} from './fixtures/ole-samples.js';
import type { OleResult } from './ole-result.js';

interface OlefileView {
  entries: Array<{ path: string; type: string; size: number; clsid: string | null; created: string | null; modified: string | null; data: string | null }>;
  root_clsid: string | null;
  summary: Record<string, unknown>;
  doc_summary: Record<string, unknown>;
}

const SAMPLES: Record<string, () => Buffer> = {
  'word-like document': () => buildWord().bytes,
  'encrypted Word binary': buildEncryptedWord,
  'encrypted Excel workbook': buildEncryptedExcel,
  'encrypted OOXML package': buildEncryptedPackage,
  'encrypted PowerPoint': buildEncryptedPowerPoint,
  'version 4 document (4096-byte sectors)': () => buildCfb({ ...wordSpec(), version: 4 }).bytes,
};

/** olefile gives times with microseconds and no zone; ours have 7 digits and Z. */
const micro = (iso: string | null) =>
  iso === null
    ? null
    : iso
        .replace(/(\.\d{6})\d(Z)$/, '$1')
        .replace(/\.0{6}$/, '')
        .replace(/Z$/, '');

describe('ole plugin', () => {
  let dir: string;
  let stoq: Stoq;
  const built: Record<string, Buffer> = {};
  let olefile: Record<string, OlefileView>;
  const stoqs: Stoq[] = [];

  /** The plugin itself, called directly: its extracted payloads come back with their bytes. */
  const plugins = new Map<string, { s: Stoq; plugin: { scan(p: Payload, r: Request, c: unknown): WorkerResponse } }>();
  const direct = async (content: Uint8Array, options: Record<string, unknown> = {}) => {
    const key = JSON.stringify(options);
    if (!plugins.has(key)) {
      const s = new Stoq({ logLevel: 'silent', pluginOpts: { ole: options } });
      stoqs.push(s);
      plugins.set(key, { s, plugin: (await s.loadPlugin('ole')) as never });
    }
    const { s, plugin } = plugins.get(key)!;
    const r = plugin.scan(new Payload(content), new Request(), { signal: new AbortController().signal, log: s.log });
    return { ole: r.results as unknown as OleResult, errors: r.errors.map((e) => (typeof e === 'string' ? e : e.error)), extracted: r.extracted };
  };

  const scan = async (content: Uint8Array, s = stoq) => {
    const response = await s.scan(content);
    const root = response.results[0]!;
    return {
      response,
      ole: root.workers['ole'] as OleResult | undefined,
      errors: response.errors.filter((e) => e.payload_id === root.payload_id).map((e) => e.error),
      children: response.results.filter((r) => r.extracted_from.includes(root.payload_id)),
    };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-ole-'));
    const files: string[] = [];
    for (const [name, build] of Object.entries(SAMPLES)) {
      built[name] = build();
      const file = join(dir, `${files.length}.ole`);
      writeFileSync(file, built[name]!);
      files.push(file);
    }
    const run = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'fixtures', 'olefile_reference.py'), ...files], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (run.status !== 0) throw new Error(`olefile reference failed: ${run.stderr}`);
    const byFile = JSON.parse(run.stdout) as Record<string, OlefileView>;
    olefile = Object.fromEntries(Object.keys(SAMPLES).map((name, i) => [name, byFile[files[i]!]!]));
    stoq = new Stoq({ alwaysDispatch: ['ole'], logLevel: 'silent' });
  });

  afterAll(async () => {
    await stoq?.close();
    for (const s of stoqs) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(SAMPLES))('lists, sizes and extracts what olefile and olecfexport read from the %s', async (name) => {
    const ref = olefile[name]!;
    const file = join(dir, `${Object.keys(SAMPLES).indexOf(name)}.ole`);
    const { ole, errors, children } = await scan(built[name]!);
    expect(errors).toEqual([]);
    expect(ole!.entries.map((e) => [e.path, e.type, e.size, e.clsid, micro(e.created), micro(e.modified)])).toEqual(
      ref.entries.map((e) => [e.path, e.type, e.size, e.clsid, e.created, e.modified]),
    );
    expect(ole!.root!.clsid).toBe(ref.root_clsid);

    const exported = olecfexport(file, join(dir, `export-${Object.keys(SAMPLES).indexOf(name)}`));
    const info = olecfinfo(file);
    expect(ole!.entries.map((e) => ({ path: e.path.split('/').map(escapeName).join('/'), size: e.size })).sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual(
      [...info.items].sort((a, b) => (a.path < b.path ? -1 : 1)),
    );
    const { extracted } = await direct(built[name]!);
    const streams = ref.entries.filter((e) => e.type === 'stream');
    expect(children).toHaveLength(extracted.length);
    for (const [index, e] of streams.entries()) {
      expect(exported(e.path)?.toString('hex'), `olecfexport ${e.path}`).toBe(e.data);
      if (e.path.endsWith('\x01Ole10Native')) continue;
      const child = extracted.find((c) => c.payload_meta.extra_data['path'] === e.path);
      expect(child?.payload_meta.extra_data).toEqual({ index, name: e.path.split('/').pop(), path: e.path });
      expect(Buffer.from(child!.content).toString('hex'), e.path).toBe(e.data);
    }
  });

  it('decodes the property sets as olefile and olecfinfo do, and what they leave out', async () => {
    const ref = olefile['word-like document']!;
    const info = olecfinfo(join(dir, '0.ole'));
    const { ole } = await scan(built['word-like document']!);
    const ours: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ole!.summary_information!)) ours[k] = typeof v === 'string' && /^\d{4}-/.test(v) ? micro(v) : v;
    expect(ours).toMatchObject(ref.summary);
    const docs: Record<string, unknown> = { ...ole!.document_summary_information, codepage_doc: ole!.document_summary_information!['codepage'] };
    delete docs['codepage'];
    expect(docs).toMatchObject(ref.doc_summary);
    expect(Object.keys(ref.doc_summary).filter((k) => !(k in docs))).toEqual([]);
    // olecfinfo's names for the same values.
    const s = ole!.summary_information!;
    expect([s['title'], s['author'], s['last_saved_by'], s['revision_number'], s['creating_application'], String(s['num_words'])]).toEqual(
      ['PIDSI_TITLE', 'PIDSI_AUTHOR', 'PIDSI_LASTAUTHOR', 'PIDSI_REVNUMBER', 'PIDSI_APPNAME', 'PIDSI_WORDCOUNT'].map((k) => info.properties[k]),
    );
    expect(ole!.document_summary_information!['company']).toBe(info.properties['PIDDSI_COMPANY']);
    // Neither reference decodes vectors or the user-defined section: checked against what the builder wrote.
    expect(ole!.document_summary_information!['titles_of_parts']).toEqual(['Invoice', 'Terms']);
    expect(ole!.user_defined_properties).toEqual({ Source: 'https://evil.example/x', Answer: 42 });
    expect(s['create_time']).toBe('2009-07-26T04:00:00.1234567Z');
    expect(s['total_edit_time']).toBe(123);
  });

  it('unwraps an Ole10Native package into the file it carries, with its name', async () => {
    const { ole, extracted } = await direct(built['word-like document']!);
    expect(ole.ole10native).toEqual([
      {
        path: 'ObjectPool/_1234567890/\x01Ole10Native',
        label: 'invoice.exe',
        source_path: 'C:\\Users\\eve\\invoice.exe',
        temp_path: 'C:\\Temp\\invoice.exe',
        size: EMBEDDED.length,
      },
    ]);
    const pkg = extracted.find((e) => e.payload_meta.extra_data['filename'] === 'invoice.exe')!;
    expect(Buffer.from(pkg.content)).toEqual(EMBEDDED);
    expect(pkg.payload_meta.extra_data).toMatchObject({ name: '\x01Ole10Native', source_path: 'C:\\Users\\eve\\invoice.exe' });
  });

  it('reports encryption (not as an error) for each kind of container', async () => {
    const kinds = await Promise.all(Object.keys(SAMPLES).map(async (name) => (await direct(built[name]!)).ole.encryption));
    expect(kinds.map((e) => [e.encrypted, e.container, e.method, e.version])).toEqual([
      [false, null, null, null],
      [true, 'word', 'rc4_cryptoapi', '4.2'],
      [true, 'excel', 'rc4', '1.1'],
      [true, 'ooxml', 'agile', '4.4'],
      [true, 'powerpoint', 'rc4_cryptoapi', null],
      [false, null, null, null],
    ]);
    expect(kinds[3]!.data_spaces).toBe(true);
  });

  it('keeps to max_streams, max_stream_size and max_total_size, saying what it left out', async () => {
    const few = await direct(built['word-like document']!, { max_streams: 2 });
    expect(few.extracted).toHaveLength(2);
    expect(few.ole.entries).toHaveLength(14);
    expect(few.errors).toEqual(['ole: 8 streams past max_streams (2) not extracted']);
    const small = await direct(built['word-like document']!, { max_stream_size: 4000 });
    expect(small.extracted.map((e) => e.payload_meta.extra_data['path'])).not.toContain('WordDocument');
    expect(small.errors).toEqual([
      'ole: stream "Macros/VBA/ThisDocument" is 9000 bytes, over max_stream_size (4000); not extracted',
      'ole: stream "WordDocument" is 5000 bytes, over max_stream_size (4000); not extracted',
    ]);
    const total = await direct(built['word-like document']!, { max_total_size: 3000 });
    expect(total.extracted.reduce((n, e) => n + Buffer.from(e.content).byteLength, 0)).toBeLessThanOrEqual(3000);
    expect(total.errors.length).toBeGreaterThan(0);
    const none = await direct(built['word-like document']!, { extract_streams: false });
    expect(none.extracted.map((e) => e.payload_meta.extra_data['filename'])).toEqual(['invoice.exe']);
  });

  describe('hostile input', () => {
    const layout = buildWord();
    const big = layout.bigStart.get('Macros/VBA/ThisDocument')!;
    const dirEntry = (path: string) => (layout.directoryStart + 1) * 512 + layout.sid.get(path)! * 128;

    it('a FAT loop in a stream: the chain is cut where it loops, the rest is read', async () => {
      // ThisDocument's 5th sector points back to its first.
      const looped = setFat(layout, big + 4, big);
      const { ole, errors, extracted } = await direct(looped);
      expect(errors).toEqual([
        `ole: stream "Macros/VBA/ThisDocument": sector chain loops back to sector ${big}`,
        'ole: stream "Macros/VBA/ThisDocument" declares 9000 bytes, its sectors hold 2560',
      ]);
      expect(ole.entries).toHaveLength(14);
      expect(extracted.find((e) => e.payload_meta.extra_data['path'] === 'Macros/VBA/ThisDocument')!.content.length).toBe(2560);
      expect(ole.summary_information!['author']).toBe('Mallory');
    });

    it('a FAT loop in the directory chain', async () => {
      // The last directory sector points back to the first instead of ending the chain.
      const { ole, errors } = await direct(setFat(layout, layout.directoryStart + 3, layout.directoryStart));
      expect(errors).toEqual([`ole: directory: sector chain loops back to sector ${layout.directoryStart}`]);
      expect(ole.entries).toHaveLength(14);
      // Cut after two sectors: the entries in them are listed, the rest named as missing.
      const cut = await direct(setFat(layout, layout.directoryStart + 1, layout.directoryStart));
      expect(cut.errors[0]).toBe(`ole: directory: sector chain loops back to sector ${layout.directoryStart}`);
      expect(cut.errors.slice(1).every((e) => /^ole: directory entry \d+ is past the end of the directory$/.test(e))).toBe(true);
    });

    it('a DIFAT chain that loops, with a huge DIFAT sector count', async () => {
      // One DIFAT sector whose "next" is itself, then padding so the 300 FAT sectors declared could fit.
      const self = layout.bytes.length / 512 - 1;
      const difat = Buffer.alloc(512, 0xff);
      difat.writeUInt32LE(self, 508);
      const bytes = Buffer.concat([layout.bytes, difat, Buffer.alloc(300 * 512)]);
      bytes.writeUInt32LE(300, 0x2c); // FAT sectors
      bytes.writeUInt32LE(self, 0x44); // first DIFAT sector
      bytes.writeUInt32LE(0x7fffffff, 0x48); // DIFAT sectors
      const { ole, errors } = await direct(bytes);
      expect(errors).toEqual([`ole: DIFAT chain loops back to sector ${self}`, 'ole: found 236 of 300 FAT sectors (1 DIFAT sectors read)']);
      expect(ole.entries).toHaveLength(14);
      // Declaring more FAT sectors than the file has is named too.
      bytes.writeUInt32LE(100_000, 0x2c);
      expect((await direct(bytes)).errors[0]).toBe(`ole: header declares 100000 FAT sectors, the file has only ${self + 301} sectors`);
    });

    it('a stream whose size runs past the end of the file', async () => {
      const bytes = Buffer.from(layout.bytes);
      bytes.writeUInt32LE(20_000, dirEntry('Macros/VBA/ThisDocument') + 120);
      bytes.writeUInt32LE(0xfffffff0, dirEntry('WordDocument') + 120);
      const { ole, errors } = await direct(bytes);
      expect(errors).toEqual([
        'ole: stream "Macros/VBA/ThisDocument" declares 20000 bytes, its sectors hold 9216',
        'ole: stream "WordDocument" is 4294967280 bytes, over max_stream_size (50000000); not extracted',
      ]);
      expect(ole.entries.find((e) => e.path === 'WordDocument')!.size).toBe(0xfffffff0);
    });

    it('a directory tree that loops back to a storage', async () => {
      const bytes = Buffer.from(layout.bytes);
      bytes.writeUInt32LE(layout.sid.get('Macros')!, dirEntry('Macros/VBA') + 76);
      const { ole, errors } = await direct(bytes);
      expect(errors).toEqual([`ole: directory tree loops back to entry ${layout.sid.get('Macros')}`]);
      expect(ole.entries.map((e) => e.path)).toContain('Macros/VBA');
    });

    it('a mini FAT loop, huge FAT counts and sector numbers, truncation, garbage', async () => {
      const loopMini = Buffer.from(layout.bytes);
      const miniFat = loopMini.readUInt32LE(0x3c);
      loopMini.writeUInt32LE(0, (miniFat + 1) * 512 + 4); // mini sector 1 → 0
      expect((await direct(loopMini)).errors.some((e) => /mini stream\): sector chain loops back to sector 0/.test(e))).toBe(true);

      const huge = Buffer.from(layout.bytes);
      huge.writeUInt32LE(0xffffffff, 0x2c);
      huge.writeUInt32LE(0xfffffff0, 0x30);
      const h = await direct(huge);
      expect(h.errors).toContain('ole: directory: sector 4294967280 is past the end of the file');
      expect(h.errors).toContain('ole: no directory entries');

      for (const cut of [100, 600, 3000, layout.bytes.length - 700]) {
        const r = await direct(layout.bytes.subarray(0, cut));
        expect(r.errors.length, `cut at ${cut}`).toBeGreaterThan(0);
        expect(
          r.errors.every((e) => e.startsWith('ole: ')),
          `cut at ${cut}`,
        ).toBe(true);
      }
      expect((await direct(Buffer.from('not an OLE file at all'))).errors).toEqual([
        'ole: not a readable OLE2 file: no OLE2 signature (D0CF11E0A1B11AE1) at offset 0',
      ]);
    });

    it('a 2 MB file with every sector pointing to the next and a directory in a cycle stays bounded', async () => {
      const n = 4096;
      const bytes = Buffer.alloc((n + 1) * 512);
      layout.bytes.copy(bytes, 0, 0, 512);
      bytes.writeUInt32LE(32, 0x2c);
      for (let i = 0; i < 109; i++) bytes.writeUInt32LE(i < 32 ? i : 0xffffffff, 0x4c + i * 4);
      for (let s = 0; s < n; s++) bytes.writeUInt32LE((s + 1) % n, 512 + s * 4);
      bytes.writeUInt32LE(40, 0x30);
      const r = await direct(bytes);
      expect(r.errors[0]).toBe('ole: directory: sector chain loops back to sector 40');
    });
  });
});
