import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Content, Payload, Stoq, type StoqError, type WorkerResponse } from 'rxstoq';
import { buildSamples, hex, ole1Embedded, packageNative, rtf as rtfDoc, rtfFuzzSeed } from './fixtures/rtf-builder.js';
import type { RtfResult } from './rtf.js';

/** What oletools' rtfobj found in the same samples (see fixtures/record-rtfobj.test.ts). */
interface Expected {
  sha256: string;
  cli_exit_code: number;
  cli_saved_sha256: string[];
  objects: {
    index: number;
    start: number;
    end: number;
    hex_size: number;
    raw_size: number;
    is_ole: boolean;
    format_id: number | null;
    class_name: string | null;
    oledata_size: number | null;
    is_package: boolean;
    filename: string | null;
    src_path: string | null;
    temp_path: string | null;
    clsid: string | null;
    clsid_desc: string | null;
    saved_sha256: string;
    saved_size: number;
  }[];
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/rtfobj-expected.json', import.meta.url), 'utf8')) as { samples: Record<string, Expected> };
const sha256 = (b: Content) => createHash('sha256').update(b).digest('hex');
const messages = (errors: Array<StoqError | string>) => errors.map((e) => (typeof e === 'string' ? e : e.error));

interface Worker {
  scan(p: Payload, r: unknown, c: unknown): WorkerResponse | Promise<WorkerResponse>;
}

describe('rtf plugin', () => {
  const built = buildSamples();
  let stoq: Stoq;
  let worker: Worker;
  const scan = async (data: Uint8Array) => {
    const r = await worker.scan(new Payload(data), null, { signal: new AbortController().signal });
    return { r, rtf: r.results as RtfResult, errors: messages(r.errors) };
  };

  beforeAll(async () => {
    stoq = new Stoq({ alwaysDispatch: ['rtf'], logLevel: 'silent' });
    worker = (await stoq.loadPlugin('rtf', 'worker')) as unknown as Worker;
  });

  afterAll(async () => {
    await stoq?.close();
  });

  it('builds exactly the samples rtfobj was run on', () => {
    expect(Object.keys(built).sort()).toEqual(Object.keys(FIXTURE.samples).sort());
    for (const [name, bytes] of Object.entries(built)) expect(sha256(bytes), name).toBe(FIXTURE.samples[name]!.sha256);
  });

  it.each(Object.keys(FIXTURE.samples))('finds the objects rtfobj finds in %s, and extracts the bytes it saves', async (name) => {
    const expected = FIXTURE.samples[name]!;
    const { r, rtf } = await scan(built[name]!);
    expect(r.errors ?? []).toEqual([]);
    expect(
      rtf.objects.map((o) => ({
        index: o.index,
        start: o.start,
        end: o.end,
        hex_size: o.hex_size,
        raw_size: o.raw_size,
        is_ole: o.is_ole,
        format_id: o.format_id === 'embedded' ? 2 : o.format_id === 'linked' ? 1 : null,
        class_name: o.class_name,
        oledata_size: o.oledata_size,
        is_package: o.is_package,
        filename: o.filename,
        src_path: o.src_path,
        temp_path: o.temp_path,
        clsid: o.clsid,
      })),
    ).toEqual(expected.objects.map(({ saved_sha256, saved_size, clsid_desc, ...o }) => o));
    // A CLSID rtfobj ties to a CVE is one this plugin flags.
    expect(rtf.objects.map((o) => o.flags.some((f) => f.startsWith('CLSID ')))).toEqual(expected.objects.map((o) => /CVE/.test(o.clsid_desc ?? '')));
    // One payload per object, with the bytes rtfobj -s saves for it, in order.
    const saved = expected.objects.filter((o) => o.saved_size > 0);
    expect(r.extracted.map((x) => sha256(x.content))).toEqual(saved.map((o) => o.saved_sha256));
    expect(r.extracted.map((x) => x.payload_meta.extra_data['index'])).toEqual(saved.map((o) => o.index));
    expect([...new Set(r.extracted.map((x) => sha256(x.content)))].sort()).toEqual([...new Set(expected.cli_saved_sha256)].sort());
    expect(expected.cli_exit_code).toBe(0);
  });

  it('flags Equation.3 by class and CLSID, and reports the junk it read through', async () => {
    const { rtf } = await scan(built['equation-junk']!);
    const [eq] = rtf.objects;
    expect(eq!.flagged).toBe(true);
    expect(eq!.flags).toEqual([
      'class Equation.3: Equation Editor object, exploited by CVE-2017-11882 and CVE-2018-0802',
      'CLSID 0002CE02-0000-0000-C000-000000000046: Microsoft Equation 3.0 (Equation Editor: CVE-2017-11882, CVE-2018-0802)',
    ]);
    expect(eq!.rtf_objclass).toBe('Equation.3');
    const disguised = await scan(rtfDoc(`{\\object{\\*\\objclass Word.Document.12}{\\*\\objdata ${hex(ole1Embedded('Equation.3', Buffer.from('x')))}}}`));
    expect(disguised.rtf.objects[0]!.flags[0]).toBe('RTF \\objclass Word.Document.12 disguises the OLE1 class Equation.3');
    expect(eq!.extracted_as).toBe('ole_native_data');
    const tricks = Object.fromEntries(rtf.obfuscation.map((t) => [t.trick, t.count]));
    expect(tricks).toMatchObject({
      group_inside_objdata: expect.any(Number),
      control_word_inside_objdata: expect.any(Number),
      non_hex_in_objdata: expect.any(Number),
    });
    // Every \'zz in the sample follows an odd digit: each drop is seen.
    expect(tricks['odd_digit_dropped_before_escape']).toBe(tricks['escaped_byte_inside_objdata']);
    expect(tricks['odd_digit_dropped_before_escape']).toBeGreaterThan(10);
  });

  it('flags a Package whose label hides an executable, and names the file it extracts', async () => {
    const { r, rtf } = await scan(built['package-exe-whitespace']!);
    expect(rtf.objects[0]!.flags).toEqual([
      'Package carries an executable file type (.exe)',
      'Package file extension differs between label (.pdf) and temp path (.exe)',
    ]);
    expect(r.extracted[0]!.payload_meta.extra_data).toEqual({
      index: 0,
      class_name: 'Package',
      extracted_as: 'package_file',
      filename: 'invoice.pdf',
      src_path: 'C:\\Users\\bob\\invoice.exe',
      temp_path: 'C:\\Users\\bob\\AppData\\Local\\Temp\\invoice.exe',
    });
    expect(Buffer.from(r.extracted[0]!.content).subarray(0, 2).toString()).toBe('MZ');
  });

  it('counts pictures apart from objects, \\bin data included', async () => {
    const { rtf } = await scan(built['word-bin-pict']!);
    expect(rtf.objects).toHaveLength(1);
    expect(rtf.objects[0]!.flagged).toBe(false);
    expect(rtf.pictures.count).toBe(2);
    expect(rtf.pictures.items.map((p) => [p.format, p.size])).toEqual([
      ['wmetafile', 32],
      ['pngblip', 32],
    ]);
    expect(rtf.obfuscation.map((t) => t.trick)).toContain('bin_in_objdata');
  });

  it('reports the structural tricks of the odd samples', async () => {
    const tricksOf = async (name: string) => (await scan(built[name]!)).rtf.obfuscation.map((t) => t.trick);
    expect(await tricksOf('raw-odd-rt')).toEqual(expect.arrayContaining(['rtf_header_without_f', 'odd_hex_digit_count']));
    expect(await tricksOf('unbalanced-braces')).toContain('unbalanced_closing_brace');
    expect(await tricksOf('two-objects-unclosed')).toEqual(expect.arrayContaining(['groups_open_at_end', 'bin_in_objdata']));
    const linked = (await scan(built['linked-ole2link']!)).rtf.objects[0]!;
    expect(linked).toMatchObject({ format_id: 'linked', class_name: 'OLE2Link', flagged: true, extracted_as: 'raw' });
  });

  it('routes through the framework: results under workers.rtf, payloads carried on', async () => {
    const response = await stoq.scan(rtfFuzzSeed());
    const top = response.results[0]!.workers['rtf'] as RtfResult;
    expect(top.objects.map((o) => o.class_name)).toEqual(['Equation.3']);
    expect(response.results.some((x) => x.payload_meta.extra_data['class_name'] === 'Equation.3')).toBe(true);
  });

  describe('hostile input', () => {
    it('stops at max_group_depth on 10 MB of {, with an error naming the plugin', async () => {
      const { rtf, errors } = await scan(Buffer.alloc(10 * 1024 * 1024, '{'));
      expect(rtf.objects).toEqual([]);
      expect(errors).toEqual(['rtf: groups nested deeper than max_group_depth (10000) at offset 10000: the rest of the document was not read']);
    });

    it('keeps the objects before a too-deep nest', async () => {
      const pkg = ole1Embedded('Package', packageNative('a.txt', 'a.txt', 'a.txt', Buffer.from('x')));
      const doc = rtfDoc(`{\\object{\\*\\objdata ${hex(pkg)}}}${'{'.repeat(20_000)}`);
      const { rtf: res, errors } = await scan(doc);
      expect(res.objects.map((o) => o.filename)).toEqual(['a.txt']);
      expect(errors[0]).toMatch(/^rtf: groups nested deeper than max_group_depth/);
    });

    it('survives a huge \\bin length, a negative one and one without a number', async () => {
      const { rtf: res, errors } = await scan(Buffer.from('{\\rtf1{\\*\\objdata 0102\\bin-5 0304\\bin 05\\bin99999999999999999999 abc}}'));
      expect(errors).toEqual([]);
      expect(res.objects).toHaveLength(1);
      expect(res.objects[0]!.hex_size).toBe(20);
      // 0102, 0304, 05, then the \\bin eats ' abc}}' as 5 raw bytes (10 digits) to the end.
      expect(res.obfuscation.map((t) => t.trick)).toEqual(expect.arrayContaining(['bin_negative_length', 'bin_without_length', 'bin_past_end']));
    });

    it('reads truncated objects as far as they go', async () => {
      const whole = built['package-txt-plain']!;
      for (const cut of [100, 160, 200, 300, 400]) {
        const { rtf: res, errors } = await scan(whole.subarray(0, cut));
        expect(errors).toEqual([]);
        for (const o of res.objects) expect(o.is_package).toBe(false);
      }
    });

    it('rejects OLE1 headers with declared sizes past the data, without allocating them', async () => {
      const lying = Buffer.concat([Buffer.from([1, 5, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f]), Buffer.from('Package\0')]);
      const { rtf: res } = await scan(Buffer.from(`{\\rtf1{\\*\\objdata ${hex(lying)}}}`));
      expect(res.objects[0]).toMatchObject({ format_id: null, is_ole: false, extracted_as: 'raw' });
    });

    it('bounds objects and decoded bytes with errors naming the plugin', async () => {
      const many = Buffer.from(`{\\rtf1${'{\\*\\objdata 0102}'.repeat(300)}{\\pict 00}}`);
      const { rtf: res, errors } = await scan(many);
      expect(res.objects).toHaveLength(256);
      expect(errors).toEqual(['rtf: 44 object(s) past max_objects (256) not reported']);
      const limited = new Stoq({ pluginOpts: { rtf: { max_hex_bytes: 10 } }, logLevel: 'silent' });
      const small = (await limited.loadPlugin('rtf', 'worker')) as unknown as Worker;
      const big = await small.scan(new Payload(Buffer.from(`{\\rtf1{\\*\\objdata ${'ab'.repeat(100)}}}`)), null, { signal: new AbortController().signal });
      expect((big.results as RtfResult).objects[0]).toMatchObject({ raw_size: 10, truncated: true });
      expect(messages(big.errors)).toEqual(['rtf: object data at offset 17 cut at the max_hex_bytes limit (10)']);
      // A destination left current by an unbalanced } closes again on every {}: its copies share the budget.
      const again = await small.scan(new Payload(Buffer.from(`{\\rtf1 }}{\\*\\objdata ${'cd'.repeat(8)}}{}{}`)), null, {
        signal: new AbortController().signal,
      });
      expect((again.results as RtfResult).objects.map((o) => [o.raw_size, o.truncated])).toEqual([
        [8, false],
        [2, true],
        [0, true],
      ]);
      await limited.close();
    });

    it('reads on past a lone backslash, an overlong control word and garbage, noting each', async () => {
      const cases: [string, string[], number][] = [
        ['{\\rtf1 \\', ['backslash_at_end', 'groups_open_at_end'], 0],
        [`{\\rtf1 \\${'a'.repeat(300)} {\\*\\objdata 0a0b}}`, ['overlong_control_word'], 2],
        ["\0\xff}}}{{\\\\\\'", ['no_rtf_header', 'unbalanced_closing_brace'], 0],
        ['', ['no_rtf_header'], 0],
      ];
      for (const [input, tricks, size] of cases) {
        const { rtf: res, errors } = await scan(Buffer.from(input, 'latin1'));
        expect(errors).toEqual([]);
        expect(res.obfuscation.map((t) => t.trick)).toEqual(tricks);
        expect(res.objects.map((o) => o.raw_size)).toEqual(size ? [size] : []);
      }
    });
  });
});
