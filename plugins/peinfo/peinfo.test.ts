import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Stoq, type WorkerResponse } from 'rxstoq';
import { buildPeSamples, handmadePe, type PeSamples } from '../../test/support/pe-samples.js';

// Debian's python3-pefile is the reference; by absolute path so a pyenv python on PATH is not used.
const PYTHON = '/usr/bin/python3';
const REFERENCE = join(import.meta.dirname, 'pefile-reference.py');

// biome-ignore lint/suspicious/noExplicitAny: JSON from pefile and from the plugin, compared field by field
type Json = Record<string, any>;
const reference = (file: string): Json => JSON.parse(execFileSync(PYTHON, [REFERENCE, file], { encoding: 'utf8' }));

/**
 * Real-world PEs from outside MinGW, where the machine has them: pip's and distutils' Windows
 * launchers (MSVC, with Rich headers, debug directories and resources; x86, x64 and ARM64) from
 * any pyenv Python, and a Mono class library (.NET). At most one of each name.
 */
function msvcBuiltPes(): string[] {
  const names = ['w32.exe', 'w64.exe', 'w64-arm.exe', 't32.exe', 'wininst-14.0-amd64.exe'];
  const found = new Map<string, string>();
  const versions = '/root/.pyenv/versions';
  for (const version of existsSync(versions) ? readdirSync(versions) : []) {
    const lib = join(versions, version, 'lib');
    for (const python of existsSync(lib) ? readdirSync(lib).filter((d) => d.startsWith('python')) : []) {
      for (const dir of [join(lib, python, 'site-packages/pip/_vendor/distlib'), join(lib, python, 'distutils/command')]) {
        for (const name of names) if (!found.has(name) && existsSync(join(dir, name))) found.set(name, join(dir, name));
      }
    }
  }
  const mono = '/usr/lib/mono/4.5/Mono.Security.dll';
  return [...found.values(), ...(existsSync(mono) ? [mono] : [])];
}

interface Worker {
  scan(p: Payload, r: unknown, c: unknown): WorkerResponse | Promise<WorkerResponse>;
}

describe('peinfo', () => {
  let dir: string;
  let samples: PeSamples;
  let stoq: Stoq;
  let worker: Worker;
  const scan = async (data: Buffer, w: Worker = worker) => w.scan(new Payload(data), null, { signal: new AbortController().signal });
  const results = async (file: string) => {
    const r = await scan(readFileSync(file));
    expect(r.errors.map((e) => (typeof e === 'string' ? e : e.error))).toEqual([]);
    return r.results as Json;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-peinfo-test-'));
    samples = buildPeSamples(dir);
    stoq = new Stoq({ logLevel: 'silent' });
    worker = (await stoq.loadPlugin('peinfo', 'worker')) as unknown as Worker;
  }, 120_000);

  afterAll(async () => {
    await stoq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every field pefile also reports, compared one by one. */
  async function compareWithPefile(file: string) {
    const ours = await results(file);
    const ref = reference(file);
    expect(ours['format']).toBe(ref['format']);
    expect(ours['machine'].value).toBe(ref['machine']);
    expect(ours['compile_time_epoch']).toBe(ref['compile_time_epoch']);
    expect(ours['characteristics'].value).toBe(ref['characteristics']);
    expect(ours['subsystem'].value).toBe(ref['subsystem']);
    expect(ours['entrypoint'].entry_point).toBe(ref['entry_point']);
    expect(ours['image_base'].image_base).toBe(ref['image_base']);
    expect({ is_exe: ours['is_exe'], is_dll: ours['is_dll'], is_driver: ours['is_driver'] }).toEqual({
      is_exe: ref['is_exe'],
      is_dll: ref['is_dll'],
      is_driver: ref['is_driver'],
    });
    expect(ours['sections'].length).toBe(ref['sections'].length);
    ref['sections'].forEach((s: Json, i: number) => {
      const o = ours['sections'][i];
      expect({ name: o.name, virtaddr: o.virtaddr, virtsize: o.virtsize, raw_size: o.raw_size, md5: o.md5 }).toEqual({
        ...s,
        entropy: undefined,
        md5: s['md5'],
      });
      expect(o.entropy).toBeCloseTo(s['entropy'], 12);
    });
    expect(ours['imphash'] ?? '').toBe(ref['imphash']);
    expect(ours['imports'] ?? {}).toEqual(ref['imports']);
    expect((ours['exports'] ?? []).map((e: Json) => ({ name: e.name, ordinal: e.ordinal, address: e.address }))).toEqual(ref['exports']);
    expect(ours['version_info'] ?? {}).toEqual(ref['version_info']);
    expect(ours['overlay']?.offset ?? null).toBe(ref['overlay_offset']);
    expect(
      (ours['resources'] ?? []).map((x: Json) => ({
        type_id: x.type_id,
        resource_id: x.resource_id,
        language: x.language,
        sub_language: x.sub_language,
        address: x.address,
        size: x.size,
      })),
    ).toEqual(ref['resources']);
    expect(ours['tls_callbacks'] ?? []).toEqual(ref['tls_callbacks']);
    expect((ours['debug_info'] ?? []).map((d: Json) => ({ Type: d.Type, TimeDateStamp: d.TimeDateStamp, PDB: d.DebugPDB ?? null }))).toEqual(
      ref['debug'].map((d: Json) => ({ ...d, PDB: d['PDB'] === null ? null : d['PDB'] })),
    );
    if (ref['rich']) {
      expect(ours['rich_header']).toBe(ref['rich'].sha256);
      expect(ours['rich_header_info'].md5).toBe(ref['rich'].md5);
      expect(ours['rich_header_info'].checksum).toBe(ref['rich'].checksum.toString(16).padStart(8, '0'));
      expect(ours['rich_header_info'].entries.flatMap((e: Json) => [(e.product_id << 16) | e.build, e.count])).toEqual(ref['rich'].values);
    } else {
      expect(ours['rich_header']).toBeUndefined();
    }
    return { ours, ref };
  }

  it('agrees with pefile on a PE32+ executable: headers, sections, imports by name and ordinal, imphash, resources, version strings, TLS, debug', async () => {
    const { ours } = await compareWithPefile(samples.exe64);
    // The differential test is only as good as its sample: make sure the interesting parts are there.
    expect(ours['imports']['foo.dll']).toEqual(['7']);
    expect(ours['imports']['ws2_32.dll']).toEqual(['htons']);
    expect(ours['imports']['oleaut32.dll']).toEqual(['SysAllocString']);
    expect(ours['version_info']['FileDescription']).toBe('peinfo differential sample');
    // MinGW's CRT registers two callbacks of its own; the sample's is the third.
    expect(ours['tls_callbacks']).toHaveLength(3);
    expect(ours['resources'].map((r: Json) => r.type)).toEqual(['RT_RCDATA', 'RT_VERSION']);
    expect(ours['debug_info'][0].DebugSig).toBe('RSDS');
    expect(ours['format']).toBe('PE32+');
    expect(ours['machine'].name).toBe('IMAGE_FILE_MACHINE_AMD64');
    expect(ours['subsystem'].name).toBe('IMAGE_SUBSYSTEM_WINDOWS_CUI');
  });

  it('agrees with pefile on a DLL: exports by name and by ordinal only', async () => {
    const { ours } = await compareWithPefile(samples.dll64);
    expect(ours['is_dll']).toBe(true);
    expect(ours['exports'].map((e: Json) => e.name)).toEqual(['add', 'sub', null]);
    expect(ours['exports'][2].ordinal).toBe(42);
  });

  it('agrees with pefile on a PE32 executable (i686 MinGW)', async (ctx) => {
    if (!samples.exe32) ctx.skip();
    const { ours } = await compareWithPefile(samples.exe32!);
    expect(ours['format']).toBe('PE32');
    expect(ours['imports']['ws2_32.dll']).toEqual(['htons']);
  });

  it('agrees with pefile on a hand-built Rich header', async () => {
    const { ours } = await compareWithPefile(samples.rich64);
    expect(ours['rich_header_info'].entries).toEqual([
      { product_id: 0xff, build: 0x7809, count: 1 },
      { product_id: 0x104, build: 0x7809, count: 12 },
      { product_id: 0x103, build: 0x7809, count: 3 },
    ]);
  });

  it('finds the overlay where pefile does and extracts it', async () => {
    const data = readFileSync(samples.overlay64);
    await compareWithPefile(samples.overlay64);
    const r = await scan(data);
    const overlay = r.extracted.filter((x) => x.payload_meta.extra_data['peinfo'] === 'overlay');
    expect(overlay).toHaveLength(1);
    expect(Buffer.from(overlay[0]!.content)).toEqual(Buffer.alloc(4096, 0x5a));
    expect(overlay[0]!.payload_meta.extra_data['overlay_offset']).toBe(data.length - 4096);
  });

  it('extracts every resource with its metadata', async () => {
    const r = await scan(readFileSync(samples.exe64));
    const resources = r.extracted.filter((x) => x.payload_meta.extra_data['peinfo'] === 'resource');
    expect(resources).toHaveLength(2);
    expect(Buffer.from(resources[0]!.content).toString('latin1')).toBe('hello resource');
    expect(resources[0]!.payload_meta.extra_data['resource']).toMatchObject({ type: 'RT_RCDATA', resource_id: 2, size: 14 });
  });

  it('reads the Authenticode signer as openssl reads the certificate, and extracts the PKCS#7 blob', async () => {
    const { ours, ref } = await compareWithPefile(samples.signed64);
    const openssl = (...args: string[]) => execFileSync('openssl', ['x509', '-in', samples.cert, '-noout', ...args], { encoding: 'utf8' }).trim();
    const value = (line: string) => line.slice(line.indexOf('=') + 1);
    expect(ours['signature']).toEqual({
      subject: value(openssl('-subject', '-nameopt', 'RFC2253')),
      issuer: value(openssl('-issuer', '-nameopt', 'RFC2253')),
      serial: value(openssl('-serial')),
      not_before: new Date(value(openssl('-startdate'))).toISOString().replace('.000', ''),
      not_after: new Date(value(openssl('-enddate'))).toISOString().replace('.000', ''),
    });
    expect(ours['signature'].subject).toBe('CN=peinfo signer,O=rxstoq tests\\, signing,C=DE');
    // pefile's overlay starts at the certificate table, which it does not count as part of the image.
    expect(ours['certificates'][0].offset).toBe(ref['overlay_offset']);
    const r = await scan(readFileSync(samples.signed64));
    const blob = r.extracted.find((x) => x.payload_meta.extra_data['peinfo'] === 'certificate')!;
    // The overlay is only the certificate table here: reported, but not extracted a second time.
    expect(ours['overlay']).toEqual({ offset: ours['certificates'][0].offset, size: ours['certificates'][0].entry_size });
    expect(r.extracted.map((x) => x.payload_meta.extra_data['peinfo'])).toEqual(['resource', 'resource', 'certificate']);
    // openssl reads the extracted blob as the PKCS#7 holding the signing certificate.
    const printed = execFileSync('openssl', ['pkcs7', '-inform', 'DER', '-print_certs', '-noout'], { input: blob.content, encoding: 'utf8' });
    expect(printed).toContain('CN = peinfo signer');
  });

  it('reads a .NET assembly’s name and version as monodis does', async (ctx) => {
    if (!samples.dotnet) ctx.skip();
    const { ours } = await compareWithPefile(samples.dotnet!);
    const monodis = execFileSync('monodis', ['--assembly', samples.dotnet!], { encoding: 'utf8' });
    const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(monodis)?.[1]?.trim();
    expect(ours['dotnet'].assembly).toEqual({ name: field('Name'), version: field('Version'), culture: field('Culture') });
    expect(ours['dotnet'].assembly).toEqual({ name: 'hello', version: '3.1.4.1', culture: '' });
    expect(ours['dotnet'].metadata_version).toMatch(/^v\d+\.\d+/);
    // Native executables have no CLR header.
    expect((await results(samples.exe64))['dotnet']).toBeUndefined();
  });

  it('agrees with pefile on MSVC-built PEs this machine happens to carry (pip/distutils launchers, Mono class libraries)', async (ctx) => {
    const found = msvcBuiltPes();
    if (found.length === 0) ctx.skip();
    for (const file of found) await compareWithPefile(file);
  });

  it('is where the bundled yara dispatcher routes a PE', async () => {
    const routed = new Stoq({ dispatchers: ['yara'], logLevel: 'silent' });
    try {
      const r = await routed.scan(readFileSync(samples.exe64));
      const top = r.results[0]!;
      expect(top.plugins_run.workers.flat()).toContain('peinfo');
      expect((top.workers['peinfo'] as Json)['imphash']).toBe(reference(samples.exe64)['imphash']);
      // The extracted resources were scanned too, and are not PEs: nothing routed them to peinfo.
      expect(r.results.filter((x) => x.extracted_by.includes('peinfo'))).toHaveLength(2);
      expect(r.errors).toEqual([]);
    } finally {
      await routed.close();
    }
  });

  it('hands the extracted PKCS#7 signature to the x509 plugin through the yara dispatcher', async () => {
    const routed = new Stoq({ dispatchers: ['yara'], logLevel: 'silent' });
    try {
      const r = await routed.scan(readFileSync(samples.signed64));
      const pkcs7 = r.results.find((x) => x.payload_meta.extra_data['peinfo'] === 'certificate')!;
      expect(pkcs7.plugins_run.workers.flat()).toContain('x509');
    } finally {
      await routed.close();
    }
  });

  describe('bad input', () => {
    const messages = (r: WorkerResponse) => r.errors.map((e) => (typeof e === 'string' ? e : e.error));
    const directory = (entries: [id: number, target: number][]) => {
      const b = Buffer.alloc(16 + 8 * entries.length);
      b.writeUInt16LE(entries.length, 14);
      entries.forEach(([id, target], i) => {
        b.writeUInt32LE(id, 16 + 8 * i);
        b.writeUInt32LE(target >>> 0, 20 + 8 * i);
      });
      return b;
    };

    it('refuses a file that is not a PE, naming the plugin', async () => {
      await expect(scan(Buffer.from('MZ but nothing else'.padEnd(200, '\0')))).rejects.toThrow(/^peinfo: not a PE file: /);
      await expect(scan(Buffer.from('plain text, not even MZ'))).rejects.toThrow(/peinfo: not a PE file: no MZ/);
    });

    it('keeps the headers of a truncated PE and names what it could not read', async () => {
      const whole = readFileSync(samples.exe64);
      const r = await scan(whole.subarray(0, 0x300));
      expect((r.results as Json)['machine'].name).toBe('IMAGE_FILE_MACHINE_AMD64');
      expect(messages(r).some((m) => /^peinfo: import descriptor at RVA 0x[0-9a-f]+ is outside the data$/.test(m))).toBe(true);
      // A cut inside the section table itself.
      const cut = await scan(whole.subarray(0, 0x1c0));
      expect(messages(cut)).toContainEqual(expect.stringMatching(/^peinfo: section table runs past the end of the data: header \d+ of \d+/));
      expect((cut.results as Json)['sections'].length).toBeGreaterThan(0);
    });

    it('reads at most max_sections of 65,535 sections, and says so', async () => {
      const claimsAll = handmadePe([{ virtualAddress: 0x1000, raw: Buffer.from('code') }], {}, 65535);
      const r1 = await scan(claimsAll);
      expect(messages(r1)).toEqual([
        'peinfo: NumberOfSections is 65535; only the first 2048 (max_sections) are read',
        expect.stringMatching(/^peinfo: section table runs past the end of the data: header \d+ of 65535/),
      ]);
      const many = handmadePe(Array.from({ length: 65535 }, (_, i) => ({ virtualAddress: 0x1000 * (i + 1), raw: Buffer.alloc(0) })));
      const r2 = await scan(many);
      expect((r2.results as Json)['sections']).toHaveLength(2048);
      expect(messages(r2)).toEqual(['peinfo: NumberOfSections is 65535; only the first 2048 (max_sections) are read']);
    });

    it('stops an import directory that never ends at max_imports: 2,000 descriptors that all name one thunk list', async () => {
      // 2000 descriptors, each naming the same 16-entry thunk list: 32,000 symbols claimed.
      const thunks = Buffer.alloc(17 * 8);
      for (let i = 0; i < 16; i++) thunks.writeBigUInt64LE(0x8000000000000000n | BigInt(i + 1), 8 * i);
      const name = Buffer.from('loop.dll\0');
      const descriptors = Buffer.alloc(2000 * 20);
      for (let i = 0; i < 2000; i++) {
        descriptors.writeUInt32LE(0x1000, 20 * i);
        descriptors.writeUInt32LE(0x1000 + thunks.length, 20 * i + 12);
        descriptors.writeUInt32LE(0x1000, 20 * i + 16);
      }
      const raw = Buffer.concat([thunks, name, Buffer.alloc(3), descriptors]);
      const endless = handmadePe([{ virtualAddress: 0x1000, raw }], { 1: [0x1000 + thunks.length + 12, descriptors.length] });
      const r = await scan(endless);
      expect(messages(r)).toEqual(['peinfo: more than 8192 imported symbols (max_imports); the rest are not read']);
      expect((r.results as Json)['imports']['loop.dll']).toHaveLength(8192);
    });

    it('reads a resource directory cycle once, and stops a 10,000-deep tree at max_resource_depth', async () => {
      // The root's only entry points back at the root.
      const cycle = handmadePe([{ virtualAddress: 0x1000, raw: directory([[1, 0x80000000]]) }], { 2: [0x1000, 24] });
      const r1 = await scan(cycle);
      expect(messages(r1)).toEqual(['peinfo: resource directory at offset 0x0 is reached twice (a cycle); it is read once']);

      const levels = 10_000;
      const tree = Buffer.concat(Array.from({ length: levels }, (_, i) => directory([[i + 1, 0x80000000 | (24 * (i + 1))]])));
      const deep = handmadePe([{ virtualAddress: 0x1000, raw: tree }], { 2: [0x1000, tree.length] });
      const r2 = await scan(deep);
      expect(messages(r2)).toEqual(['peinfo: resource tree deeper than 32 levels (max_resource_depth); deeper entries are not read']);
      expect((r2.results as Json)['resources']).toBeUndefined();
    });

    it('reports damaged .NET metadata as an error and keeps the rest', async (ctx) => {
      if (!samples.dotnet) ctx.skip();
      const bytes = Buffer.from(readFileSync(samples.dotnet!));
      const root = bytes.indexOf('BSJB', 0, 'latin1');
      const noRoot = Buffer.from(bytes);
      noRoot.write('XXXX', root, 'latin1');
      const r1 = await scan(noRoot);
      expect(messages(r1)).toEqual(['peinfo: .NET metadata: no metadata root (BSJB signature) where the CLR header points']);
      expect((r1.results as Json)['imports']).toEqual({ 'mscoree.dll': ['_CorExeMain'] });
      // Row counts claiming 0xffffffff rows of every table put the Assembly table far past the stream.
      const huge = Buffer.from(bytes);
      const tables = bytes.indexOf('#~\0', root, 'latin1');
      const tablesOffset = bytes.readUInt32LE(tables - 8);
      huge.fill(0xff, root + tablesOffset + 24, root + tablesOffset + 28);
      const r2 = await scan(huge);
      expect(messages(r2)).toEqual(['peinfo: .NET metadata: the Assembly table runs past the #~ stream']);
    });

    it('does not extract a resource that claims 4 GiB, or read an export table that claims 4 billion functions', async () => {
      const raw = Buffer.alloc(0x200);
      // Resource root → type 10 → name 1 → language 0 → data entry (RVA 0x1100, size 0xffffffff).
      directory([[10, 0x80000018]]).copy(raw, 0);
      directory([[1, 0x80000030]]).copy(raw, 0x18);
      directory([[0x409, 0x48]]).copy(raw, 0x30);
      raw.writeUInt32LE(0x1100, 0x48);
      raw.writeUInt32LE(0xffffffff, 0x4c);
      // Export directory at 0x1080: Base 1, NumberOfFunctions and NumberOfNames 0xffffffff.
      raw.writeUInt32LE(1, 0x80 + 16);
      raw.writeUInt32LE(0xffffffff, 0x80 + 20);
      raw.writeUInt32LE(0xffffffff, 0x80 + 24);
      raw.writeUInt32LE(0x1100, 0x80 + 28);
      raw.writeUInt32LE(0x1100, 0x80 + 32);
      raw.writeUInt32LE(0x1100, 0x80 + 36);
      const huge = handmadePe([{ virtualAddress: 0x1000, raw }], { 0: [0x1080, 40], 2: [0x1000, 0x60] });
      const r = await scan(huge);
      expect(messages(r)).toEqual([
        'peinfo: export directory lists 4294967295 functions and 4294967295 names; only 65536 (max_exports) are read',
        expect.stringMatching(/^peinfo: export name \d+ cannot be read$/),
        'peinfo: resource 10/1/1033 is 4294967295 bytes, more than max_resource_size (50000000); not extracted',
      ]);
      expect((r.results as Json)['resources'][0]).toMatchObject({ type: 'RT_RCDATA', size: 0xffffffff });
      expect(r.extracted.filter((x) => x.payload_meta.extra_data['peinfo'] === 'resource')).toEqual([]);
    });
  });
});
