import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Stoq, type WorkerResponse } from 'rxstoq';
import { bombContainer, compressContainer, literalContainer } from './fixtures/ovba-compress.js';
import { EXCEL_PROJECT, WORD_PROJECT } from './fixtures/samples.js';
import { type ProjectSpec, dirStream, docm, oleFile, projectStreams, vbaProjectBin } from './fixtures/vba-builder.js';
import { decompressContainer } from './ovba-decompress.js';
import type { VbaResult } from './vba.js';

const hex = (s: string) =>
  Uint8Array.from(
    s
      .split(/\s+/)
      .filter(Boolean)
      .map((b) => Number.parseInt(b, 16)),
  );

describe('MS-OVBA decompression of hostile containers', () => {
  it.each([
    ['an empty container', '', 'empty compressed container', ''],
    ['a bad signature byte', '02 19 B0 00 61', 'compressed container signature is 0x02, not 0x01', ''],
    ['a bad chunk signature', '01 19 A0 00 61 62', 'chunk at offset 1 has signature 2, not 3', ''],
    ['a raw chunk that is not 4096 bytes', '01 19 30 61 62 63', 'raw chunk at offset 1 claims 28 bytes, not 4098', ''],
    ['a copy token before any literal', '01 03 B0 01 00 00', 'copy token at offset 4 comes before any literal in its chunk', ''],
    ['a copy token pointing before the chunk', '01 04 B0 02 61 00 10', 'copy token at offset 5 points 2 bytes back, before the start of its chunk', 'a'],
    ['a cut chunk header', '01 19', 'chunk header at offset 1 is cut off', ''],
    ['a cut copy token', '01 03 B0 02 61 00', 'copy token at offset 5 is cut off', 'a'],
    ['a chunk claiming more than remains', '01 19 B0 00 61 62 63', 'chunk at offset 1 claims 28 bytes, only 6 remain', 'abc'],
  ])('%s: a named problem and the bytes decoded so far', (_, input, problem, partial) => {
    const out = decompressContainer(hex(input), 1 << 20);
    expect(out.problem).toBe(problem);
    expect(Buffer.from(out.data).toString('latin1')).toBe(partial);
  });

  it('stops a container that would decompress past the limit (680:1 per chunk)', () => {
    const bomb = bombContainer(5000); // 30 kB in, 20 MB out
    const out = decompressContainer(bomb, 1_000_000);
    expect(out.problem).toBe('decompressed data passes the limit of 1000000 bytes');
    expect(out.data.length).toBeLessThanOrEqual(1_000_000);
    expect(out.data.length).toBeGreaterThan(990_000);
  });
});

describe('vba plugin on hostile input', () => {
  let stoq: Stoq;
  let worker: { scan(p: Payload, r: unknown, c: unknown): WorkerResponse | Promise<WorkerResponse> };
  const scan = async (content: Uint8Array) => {
    const r = await worker.scan(new Payload(content), null, { signal: new AbortController().signal });
    const errors = r.errors.map((e) => (typeof e === 'string' ? e : e.error));
    for (const e of r.errors) if (typeof e !== 'string') expect(e.plugin_name).toBe('vba');
    return { vba: r.results as VbaResult, errors, extracted: r.extracted };
  };
  let wordStreams: Record<string, Uint8Array> | undefined;
  const wordWith = (mutate: (streams: Record<string, Uint8Array>) => void) => {
    wordStreams ??= projectStreams(WORD_PROJECT);
    const streams = { ...wordStreams };
    mutate(streams);
    return oleFile(Object.fromEntries(Object.entries(streams).map(([k, v]) => [`Macros/${k}`, v])));
  };

  beforeAll(async () => {
    stoq = new Stoq({ logLevel: 'silent' });
    worker = (await stoq.loadPlugin('vba', 'worker')) as unknown as typeof worker;
  });
  afterAll(async () => {
    await stoq?.close();
  });

  it('a truncated dir stream: the modules listed before the cut, and the cut named', async () => {
    const offsets = WORD_PROJECT.modules.map((m) => m.cacheSize ?? 0);
    const dir = dirStream(WORD_PROJECT, offsets);
    // Cut inside the third MODULE record, after its MODULEOFFSET.
    const cut = dir.length - 20;
    const { vba, errors, extracted } = await scan(wordWith((s) => (s['VBA/dir'] = compressContainer(dir.subarray(0, cut)))));
    expect(vba.modules.map((m) => m.name)).toEqual(['ThisDocument', 'Module1', 'Class1']);
    expect(extracted).toHaveLength(3);
    expect(errors).toEqual([expect.stringMatching(/^vba: Macros\/VBA\/dir: dir record 0x[0-9a-f]{4} at offset \d+ claims \d+ bytes, only \d+ remain$/)]);
    // Cut before the third module's MODULEOFFSET: that module cannot be located.
    const early = dir.length - 40;
    const second = await scan(wordWith((s) => (s['VBA/dir'] = compressContainer(dir.subarray(0, early)))));
    expect(second.vba.modules.map((m) => m.name)).toEqual(['ThisDocument', 'Module1']);
    expect(second.errors).toEqual([
      `vba: Macros/VBA/dir: dir record 0x0031 at offset ${early - 6} claims 4 bytes, only 0 remain`,
      'vba: module "Class1": no MODULEOFFSET record',
    ]);
  });

  it('a dir stream cut before any module: the project, no modules, an error', async () => {
    const dir = dirStream(WORD_PROJECT, [0, 0, 0]);
    const { vba, errors } = await scan(wordWith((s) => (s['VBA/dir'] = compressContainer(dir.subarray(0, 100)))));
    expect(vba.projects.map((p) => p.name)).toEqual(['Project']);
    expect(vba.modules).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.startsWith('vba: Macros/VBA/dir: '))).toBe(true);
  });

  it('a dir stream that is not a compressed container: a named error, nothing else', async () => {
    const { vba, errors } = await scan(wordWith((s) => (s['VBA/dir'] = Uint8Array.from([0x55, 1, 2, 3]))));
    expect(vba.modules).toEqual([]);
    expect(errors[0]).toBe('vba: Macros/VBA/dir: compressed container signature is 0x55, not 0x01');
  });

  it('a module offset past its stream’s end: that module is named, the others are kept', async () => {
    // Module1's source starts at 0x1c8 (456).
    const bytes = wordWith((s) => (s['VBA/Module1'] = s['VBA/Module1']!.subarray(0, 0x100)));
    const { vba, errors, extracted } = await scan(bytes);
    expect(vba.modules.map((m) => m.name)).toEqual(['ThisDocument', 'Class1']);
    expect(extracted).toHaveLength(2);
    expect(errors).toEqual(['vba: module "Module1": MODULEOFFSET 456 is past the end of the 256-byte stream Macros/VBA/Module1']);
  });

  it('a module whose compressed source is corrupt: the source decoded so far, and the damage named', async () => {
    const bytes = wordWith((s) => {
      const m = s['VBA/Module1']!;
      const broken = m.slice();
      broken[0x1c8 + 300] = 0xff;
      broken[0x1c8 + 301] = 0xff;
      s['VBA/Module1'] = broken.subarray(0, 0x1c8 + 320);
    });
    const { vba, errors } = await scan(bytes);
    expect(vba.modules.map((m) => m.name)).toEqual(['ThisDocument', 'Module1', 'Class1']);
    expect(vba.modules[1]!.size).toBeGreaterThan(0);
    expect(vba.modules[1]!.size).toBeLessThan(Buffer.from(WORD_PROJECT.modules[1]!.source).length);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^vba: module "Module1" \(Macros\/VBA\/Module1\): /);
  });

  it('a project with 10,000 modules: max_modules read, the rest refused with an error', async () => {
    // One MODULE record repeated 10,000 times (all naming the stream Shared), between the project records and the terminator.
    const base: ProjectSpec = { name: 'Many', codePage: 1252, modules: [], declaredModules: 10_000 };
    const empty = dirStream(base, []);
    const one = dirStream({ ...base, modules: [{ name: 'M', kind: 'standard', stream: 'Shared', source: '' }] }, [0]);
    const header = empty.subarray(0, empty.length - 6);
    const record = one.subarray(header.length, one.length - 6);
    const dir = Buffer.concat([header, ...new Array(10_000).fill(record), empty.subarray(empty.length - 6)]);
    const shared = compressContainer(new TextEncoder().encode('Attribute VB_Name = "Shared"\r\nSub X()\r\nEnd Sub\r\n'));
    const bytes = oleFile({
      PROJECT: new TextEncoder().encode('Name="Many"\r\n'),
      'VBA/_VBA_PROJECT': Uint8Array.from([0xcc, 0x61, 0xff, 0xff, 0, 0, 0]),
      'VBA/dir': literalContainer(dir),
      'VBA/Shared': shared,
    });
    const { vba, errors, extracted } = await scan(bytes);
    expect(vba.modules).toHaveLength(1000);
    expect(extracted).toHaveLength(1000);
    expect(errors).toEqual(['vba: VBA/dir: more than 1000 modules (max_modules): the rest are not read']);
  });

  it('a module that decompresses past max_module_size: cut there, named', async () => {
    const bytes = wordWith((s) => (s['VBA/Module1'] = Uint8Array.from([...s['VBA/Module1']!.subarray(0, 0x1c8), ...bombContainer(4000)])));
    const limited = new Stoq({ logLevel: 'silent', pluginOpts: { vba: { max_module_size: 2_000_000, max_analysis_size: 100_000 } } });
    try {
      const w = (await limited.loadPlugin('vba', 'worker')) as unknown as typeof worker;
      const r = await w.scan(new Payload(bytes), null, { signal: new AbortController().signal });
      const vba = r.results as VbaResult;
      // 4000 chunks (24 kB) would give 16 MB.
      expect(vba.modules[1]!.size).toBeLessThanOrEqual(2_000_000);
      expect(vba.modules[1]!.size).toBeGreaterThan(1_990_000);
      expect(r.errors.map((e) => (typeof e === 'string' ? e : e.error))).toEqual([
        'vba: module "Module1" (Macros/VBA/Module1): decompressed data passes the limit of 2000000 bytes',
        expect.stringMatching(/^vba: module sources of \d+ characters: only the first 100000 \(max_analysis_size\) are analysed$/),
      ]);
    } finally {
      await limited.close();
    }
  });

  it('an OLE file whose FAT loops is refused before cfb reads it', async () => {
    const ole = Buffer.from(vbaProjectBin(EXCEL_PROJECT));
    const firstFat = ole.readUInt32LE(0x4c);
    const fatAt = 512 + firstFat * 512;
    // Sector 1 and 2 point at each other.
    ole.writeUInt32LE(2, fatAt + 4);
    ole.writeUInt32LE(1, fatAt + 8);
    const { vba, errors } = await scan(ole);
    expect(vba.modules).toEqual([]);
    expect(errors).toEqual(['vba: OLE file not read: the FAT chain through sector 1 loops']);
  });

  it.each([
    ['cut to 700 bytes', (b: Buffer) => b.subarray(0, 700)],
    ['cut to 3000 bytes', (b: Buffer) => b.subarray(0, 3000)],
    ['with a zeroed directory', (b: Buffer) => Buffer.concat([b.subarray(0, 1024), Buffer.alloc(b.length - 1024)])],
    ['shorter than a header', (b: Buffer) => b.subarray(0, 300)],
  ])('an OLE file %s: errors naming the plugin, never a throw', async (_, damage) => {
    const { vba, errors } = await scan(damage(Buffer.from(vbaProjectBin(EXCEL_PROJECT))));
    expect(vba.container).toBe('ole');
    expect(errors.every((e) => e.startsWith('vba: '))).toBe(true);
  });

  it('a docm whose vbaProject.bin is not OLE, and a zip that is cut: named errors', async () => {
    const good = docm(WORD_PROJECT);
    const cut = await scan(good.subarray(0, good.length - 30));
    expect(cut.errors).toEqual([expect.stringMatching(/^vba: zip could not be read: /)]);
    const fake = Buffer.from(good);
    const at = fake.indexOf(Buffer.from('word/vbaProject.bin'));
    expect(at).toBeGreaterThan(0);
    const bytes = (await import('fflate')).zipSync({ 'word/vbaProject.bin': new TextEncoder().encode('not an OLE file') });
    const r = await scan(bytes);
    expect(r.errors).toEqual(['vba: word/vbaProject.bin: not an OLE file']);
    expect(r.vba.container).toBe('ooxml');
  });
});
