import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExtractedPayload, Payload, Stoq, type WorkerResponse } from 'rxstoq';
import { compressContainer } from './fixtures/ovba-compress.js';
import { pseudoRandom } from './fixtures/vba-builder.js';
import { type MraptorRow, type OlevbaFile, MRAPTOR_ARGS, OLEVBA_ARGS, mraptor, olevba, oletoolsCommit } from './fixtures/oletools-output.js';
import { SAMPLES, WORD_PROJECT } from './fixtures/samples.js';
import { decompressContainer } from './ovba-decompress.js';
import type { VbaResult } from './vba.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'oletools-fixtures.json');

interface Fixtures {
  how: string;
  oletools_commit: string;
  olevba_command: string;
  mraptor_command: string;
  files: Record<string, { sha256: string; olevba: OlevbaFile; mraptor: MraptorRow }>;
}

const hex = (s: string) =>
  Uint8Array.from(
    s
      .trim()
      .split(/\s+/)
      .map((b) => Number.parseInt(b, 16)),
  );
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** Python's str.strip(): olevba strips each module's code. */
const pyStrip = (s: string) => {
  const space = (c: string | undefined) => c !== undefined && (/\s/.test(c) || (c >= '\u001c' && c <= '\u001f') || c === '\u0085');
  let start = 0;
  let end = s.length;
  while (start < end && space(s[start])) start++;
  while (end > start && space(s[end - 1])) end--;
  return s.slice(start, end);
};

describe('MS-OVBA decompression against the specification’s examples (3.2)', () => {
  // 3.2.1: no match is long enough, every token a literal.
  const NONE_TEXT = 'abcdefghijklmnopqrstuv.';
  const NONE = hex('01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E');
  // 3.2.2 as printed in the specification, and as its own algorithm compresses the same text
  // (two copy tokens are chosen differently; both decompress to the text).
  const NORMAL_TEXT = '#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa';
  const NORMAL_PRINTED = hex(
    '01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 30 6D 6E 6F 70 06 71 02 70 04 10 72 73 74 75 76 10 77 78 79 7A 00 3C',
  );
  const NORMAL_ALGORITHM = hex(
    '01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20 6D 6E 6F 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C',
  );
  // 3.2.3: one literal, then one copy token of length 72 overlapping itself.
  const MAX_TEXT = 'a'.repeat(73);
  const MAX = hex('01 03 B0 02 61 45 00');

  it.each([
    ['3.2.1 no compression', NONE, NONE_TEXT],
    ['3.2.2 normal compression (as printed)', NORMAL_PRINTED, NORMAL_TEXT],
    ['3.2.2 normal compression (as the algorithm writes it)', NORMAL_ALGORITHM, NORMAL_TEXT],
    ['3.2.3 maximum compression', MAX, MAX_TEXT],
  ])('%s', (_, compressed, expected) => {
    const out = decompressContainer(compressed, 1000);
    expect(out.problem).toBeUndefined();
    expect(text(out.data)).toBe(expected);
  });

  it('the test builders’ compressor writes what the specification’s algorithm gives', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect([...compressContainer(enc(NONE_TEXT))]).toEqual([...NONE]);
    expect([...compressContainer(enc(NORMAL_TEXT))]).toEqual([...NORMAL_ALGORITHM]);
    expect([...compressContainer(enc(MAX_TEXT))]).toEqual([...MAX]);
  });

  it('round-trips multi-chunk data with copy tokens and raw chunks', () => {
    const random = pseudoRandom(1);
    const data = Uint8Array.from({ length: 12_500 }, (_, i) => (i < 4000 ? 0x41 + (i % 37) : random.next().value & 0xff));
    const compressed = compressContainer(data);
    // The random second half cannot shrink: its full chunks are raw (header 0x3FFF).
    expect(compressed.some((_, i) => i > 0 && compressed[i] === 0xff && compressed[i + 1] === 0x3f)).toBe(true);
    const out = decompressContainer(compressed, 1 << 20);
    expect(out.problem).toBeUndefined();
    expect(Buffer.from(out.data).equals(Buffer.from(data))).toBe(true);
  });
});

describe('vba plugin', () => {
  let stoq: Stoq;
  let worker: { scan(p: Payload, r: unknown, c: unknown): WorkerResponse | Promise<WorkerResponse> };
  const built: Record<string, Buffer> = {};
  let fixtures: Fixtures;

  const scan = async (content: Uint8Array) => {
    const r = await worker.scan(new Payload(content), null, { signal: new AbortController().signal });
    return { vba: r.results as VbaResult, errors: r.errors.map((e) => (typeof e === 'string' ? e : e.error)), extracted: r.extracted };
  };

  beforeAll(async () => {
    for (const s of SAMPLES) built[s.file] = s.build();
    if (process.env['VBA_RECORD_FIXTURES']) recordFixtures(built);
    fixtures = JSON.parse(readFileSync(FIXTURES, 'utf8')) as Fixtures;
    stoq = new Stoq({ alwaysDispatch: ['vba'], logLevel: 'silent' });
    worker = (await stoq.loadPlugin('vba', 'worker')) as unknown as typeof worker;
  });

  afterAll(async () => {
    await stoq?.close();
  });

  it('the builders are deterministic: the samples are the ones olevba read', () => {
    for (const s of SAMPLES) expect(sha256(built[s.file]!), s.file).toBe(fixtures.files[s.file]!.sha256);
  });

  it.each(SAMPLES.filter((s) => !s.file.startsWith('xlm') && !s.file.startsWith('no-')).map((s) => s.file))(
    'gives the module names, streams and sources olevba gives for %s',
    async (file) => {
      const ref = fixtures.files[file]!.olevba;
      const { vba, errors, extracted } = await scan(built[file]!);
      expect(errors).toEqual([]);
      const mine = vba!.modules.map((m, i) => ({
        vba_filename: `${m.name}.${m.type === 'standard' ? 'bas' : 'cls'}`,
        ole_stream: m.stream,
        code: pyStrip(extracted[i]!.payload_meta.extra_data['vba_module'] === m.name ? extractedText(extracted[i]!) : ''),
      }));
      expect(mine).toEqual(ref.macros.map(({ vba_filename, ole_stream, code }) => ({ vba_filename, ole_stream, code })));
      for (const m of vba!.projects) expect(m.member).toBe(ref.type === 'OpenXML' ? ref.macros[0]!.subfilename : null);
    },
  );

  it('extracts each module’s source exactly as the builder wrote it, as a UTF-8 payload with its names', async () => {
    const { vba, extracted } = await scan(built['dropper.doc']!);
    expect(extracted.map((e) => extractedText(e))).toEqual(WORD_PROJECT.modules.map((m) => m.source));
    expect(extracted.map((e) => e.payload_meta.extra_data)).toEqual([
      { filename: 'ThisDocument.cls', vba_module: 'ThisDocument', vba_stream: 'Macros/VBA/ThisDocument', vba_project: 'Project', code_page: 1252 },
      { filename: 'Module1.bas', vba_module: 'Module1', vba_stream: 'Macros/VBA/Module1', vba_project: 'Project', code_page: 1252 },
      { filename: 'Class1.cls', vba_module: 'Class1', vba_stream: 'Macros/VBA/Class1', vba_project: 'Project', code_page: 1252 },
    ]);
    expect(vba!.projects).toEqual([
      { member: null, storage: 'Macros', name: 'Project', code_page: 1252, encoding: 'windows-1252', sys_kind: 'Win32', module_count: 3 },
    ]);
    expect(vba!.modules.map((m) => [m.name, m.type, m.text_offset, m.code_lines])).toEqual([
      ['ThisDocument', 'document', 0x2a1, 17],
      ['Module1', 'standard', 0x1c8, 19],
      ['Class1', 'class', 0x400, 69],
    ]);
    expect(vba!.modules.map((m) => m.size)).toEqual(WORD_PROJECT.modules.map((m) => Buffer.from(m.source, 'latin1').length));
  });

  it.each(SAMPLES.map((s) => s.file))('flags what olevba flags and gives mraptor’s verdict for %s', async (file) => {
    const { olevba: ref, mraptor: raptor } = fixtures.files[file]!;
    const { vba } = await scan(built[file]!);
    const key = (type: string, keyword: string, extra: string) => `${type}|${keyword}|${extra}`;
    const theirs = (ref.analysis ?? []).map((a) => {
      if (a.type === 'Hex String' || a.type === 'Base64 String') return key(a.type, a.keyword, a.description);
      return key(a.type, a.keyword, /\(obfuscation: ([^)]+)\)$/.exec(a.description)?.[1] ?? '');
    });
    const mine = (vba?.analysis ?? []).map((a) => key(a.type, a.keyword, a.encoded ?? a.obfuscation ?? ''));
    expect([...mine].sort()).toEqual([...theirs].sort());
    if (raptor.result === 'No Macro') expect(vba?.mraptor ?? null).toBeNull();
    else {
      expect(vba!.mraptor!.suspicious).toBe(raptor.result === 'SUSPICIOUS');
      expect(vba!.mraptor!.flags_string).toBe(raptor.flags);
      const m = vba!.mraptor!.matches;
      expect([m.autoexec, m.write, m.execute].filter((x) => x !== null)).toEqual(raptor.matches);
    }
  });

  it('reports the Excel 4.0 macro sheet and the Auto_Open name olevba’s BIFF dump shows', async () => {
    const ref = fixtures.files['xlm.xls']!.olevba.macros[0]!.code;
    // plugin_biff prints a BIFF8 sheet name from its flags byte on, so its last character is cut.
    const theirs = [...ref.matchAll(/BOUNDSHEET : Sheet Information - Excel 4\.0 macro sheet, (\w[\w ]*) - (.*)/g)].map((m) => [
      m[2]!.replace(/^\0/, ''),
      m[1],
    ]);
    const { vba, errors } = await scan(built['xlm.xls']!);
    expect(errors).toEqual([]);
    expect(vba!.xlm!.macro_sheets.map((s) => [s.name.slice(0, -1), s.state])).toEqual(theirs);
    expect(vba!.xlm!.auto_names).toEqual(ref.includes('built-in-name 1 Auto_Open') ? ['Auto_Open'] : []);
    expect(vba!.modules).toEqual([]);
  });

  it('in a scan, a docm’s module sources become payloads of their own, extracted by vba', async () => {
    const response = await stoq.scan(built['dropper.docm']!);
    expect(response.errors).toEqual([]);
    const top = response.results[0]!;
    expect((top.workers['vba'] as VbaResult).projects.map((p) => p.member)).toEqual(['word/vbaProject.bin']);
    const modules = response.results.filter((r) => r.extracted_by.includes('vba'));
    expect(modules.map((r) => r.payload_meta.extra_data['filename'])).toEqual(['ThisDocument.cls', 'Module1.bas', 'Class1.cls']);
    expect(modules.every((r) => r.extracted_from.includes(top.payload_id))).toBe(true);
  });

  it('gives an empty result and no error for an OLE file without VBA, and for other payloads', async () => {
    const ole = await scan(built['no-macros.doc']!);
    expect(ole.errors).toEqual([]);
    expect(ole.extracted).toEqual([]);
    expect(ole.vba).toEqual({ container: 'ole', projects: [], modules: [], xlm: null, analysis: [], mraptor: null });
    const other = await scan(new TextEncoder().encode('Sub AutoOpen()\r\nShell "calc"\r\nEnd Sub\r\n'));
    expect(other.errors).toEqual([]);
    expect(other.vba).toEqual({ container: null, projects: [], modules: [], xlm: null, analysis: [], mraptor: null });
  });
});

function extractedText(e: ExtractedPayload): string {
  return Buffer.from(e.content as Uint8Array).toString('utf8');
}

function recordFixtures(built: Record<string, Buffer>): void {
  const dir = mkdtempSync(join(tmpdir(), 'rxstoq-vba-'));
  try {
    const files = Object.keys(built);
    for (const f of files) writeFileSync(join(dir, f), built[f]!);
    const ov = olevba(files, dir);
    const mr = mraptor(files, dir);
    const out: Fixtures = {
      how: 'Built by plugins/vba/fixtures/samples.ts; outputs of oletools run on them (VBA_RECORD_FIXTURES=1 npx vitest run plugins/vba).',
      oletools_commit: oletoolsCommit(),
      olevba_command: `cd DIR && PYTHONPATH=/work/ref/oletools /usr/bin/python3 ${OLEVBA_ARGS.join(' ')} FILES`,
      mraptor_command: `cd DIR && PYTHONPATH=/work/ref/oletools /usr/bin/python3 ${MRAPTOR_ARGS.join(' ')} FILES`,
      files: Object.fromEntries(files.map((f) => [f, { sha256: sha256(built[f]!), olevba: ov[f]!, mraptor: mr[f]! }])),
    };
    writeFileSync(FIXTURES, `${JSON.stringify(out, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
