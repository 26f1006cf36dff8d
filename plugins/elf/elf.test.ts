import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';
import type { ElfResult, ElfSymbolVersion } from './elf-result.js';
import { buildElf, type ElfSpec } from './fixtures/elf-builder.js';
import { type ReadelfView, readelf } from './fixtures/readelf-output.js';

const LIB_C = `
int demo_counter = 7;
int demo_add(int a, int b) { return a + b + demo_counter; }
const char *demo_name(void) { return "demo"; }
int demo_old(int a) { return a; }
__asm__(".symver demo_old, demo_legacy@DEMO_0.9");
`;
/** Two version nodes, so the library defines versions (one symbol hidden, not default) as well as requiring glibc's. */
const LIB_MAP = `
DEMO_0.9 { global: demo_legacy; };
DEMO_1.0 { global: demo_add; demo_name; demo_counter; local: *; } DEMO_0.9;
`;
const PROG_C = `
#include <stdio.h>
#include <math.h>
extern int demo_add(int, int);
int main(int argc, char **argv) { printf("%d %f\\n", demo_add(argc, 2), sqrt((double)argc)); return 0; }
`;
const STATIC_C = `
#include <stdio.h>
int main(void) { puts("static"); return 0; }
`;
const NOLIBC_C = `
int counter = 3;
int add(int a, int b) { return a + b + counter; }
void _start(void) { for (;;) ; }
`;

/** How readelf appends a symbol's version to its name: `@@DEF`, hidden `@DEF`, required `@REQ (index)`. */
function versionSuffix(v: ElfSymbolVersion | null): string {
  if (!v) return '';
  if (v.required) return `@${v.name} (${v.index})`;
  return v.hidden ? `@${v.name}` : `@@${v.name}`;
}

/** Every comparison the differential test makes, for one file. */
function compare(name: string, ours: ElfResult, ref: ReadelfView): void {
  const h = ref.header;
  const label = (field: string) => `${name}: ${field}`;
  expect(ours.header.class, label('class')).toBe(h['Class']);
  expect(h['Data'], label('data')).toBe(`2's complement, ${ours.header.data}`);
  expect(ours.header.os_abi, label('os_abi')).toBe(h['OS/ABI']);
  expect(String(ours.header.abi_version), label('abi_version')).toBe(h['ABI Version']);
  expect(ours.header.type, label('type')).toBe(h['Type']!.split(' ')[0]);
  expect(ours.header.pie, label('pie')).toBe(h['Type']!.includes('Position-Independent'));
  expect(ours.header.machine, label('machine')).toBe(h['Machine']);
  expect(ours.header.entry, label('entry')).toBe(h['Entry point address']);
  expect(ours.header.flags, label('flags')).toBe(h['Flags']!.split(',')[0]);
  expect(`${ours.header.program_headers_offset} (bytes into file)`, label('phoff')).toBe(h['Start of program headers']);
  expect(`${ours.header.section_headers_offset} (bytes into file)`, label('shoff')).toBe(h['Start of section headers']);
  expect(String(ours.header.program_header_count), label('phnum')).toBe(h['Number of program headers']);
  expect(String(ours.header.section_header_count), label('shnum')).toBe(h['Number of section headers']);
  expect(String(ours.header.section_names_index), label('shstrndx')).toBe(h['Section header string table index']);

  expect(ours.segments, label('segments')).toEqual(ref.segments);
  expect(ours.interpreter, label('interpreter')).toBe(ref.interpreter);
  expect(ours.sections, label('sections')).toEqual(ref.sections);

  expect(
    ours.dynamic.map((d) => d.tag),
    label('dynamic tags'),
  ).toEqual(ref.dynamic.map((d) => d.tag));
  for (const [i, d] of ref.dynamic.entries()) {
    const mine = ours.dynamic[i]!;
    const bracketed = /\[(.*)\]$/.exec(d.value)?.[1];
    if (bracketed !== undefined && mine.string !== undefined) expect(mine.string, label(`dynamic ${d.tag}`)).toBe(bracketed);
    else if (/^0x[0-9a-f]+$/.test(d.value)) expect(mine.value, label(`dynamic ${d.tag}`)).toBe(d.value);
    else if (/^\d+ \(bytes\)$/.test(d.value)) expect(BigInt(mine.value), label(`dynamic ${d.tag}`)).toBe(BigInt(d.value.split(' ')[0]!));
  }
  const dynString = (tag: string) => ref.dynamic.filter((d) => d.tag === tag).map((d) => /\[(.*)\]$/.exec(d.value)![1]!);
  expect(ours.needed, label('needed')).toEqual(dynString('NEEDED'));
  expect(ours.soname, label('soname')).toBe(dynString('SONAME')[0] ?? null);
  expect(ours.rpath, label('rpath')).toBe(dynString('RPATH')[0] ?? null);
  expect(ours.runpath, label('runpath')).toBe(dynString('RUNPATH')[0] ?? null);

  expect(
    ours.dynamic_symbols.map((s) => ({
      index: s.index,
      value: s.value,
      size: s.size,
      type: s.type,
      bind: s.bind,
      visibility: s.visibility,
      ndx: s.section_index === 0 || s.section_index >= 0xff00 ? s.section : String(s.section_index),
      name: s.name + versionSuffix(s.version),
    })),
    label('dynamic symbols'),
  ).toEqual(ref.symbols);
  for (const s of ours.dynamic_symbols) {
    if (s.section_index > 0 && s.section_index < 0xff00) expect(s.section, label(`symbol ${s.name} section`)).toBe(ours.sections[s.section_index]!.name);
  }
}

describe('elf plugin', () => {
  let dir: string;
  let stoq: Stoq;
  const files: Record<string, string> = {};

  const gcc = (args: string[]) => execFileSync('gcc', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const scan = async (content: Uint8Array) => {
    const response = await stoq.scan(content);
    return { response, elf: response.results[0]!.workers['elf'] as ElfResult | undefined };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-elf-test-'));
    writeFileSync(join(dir, 'lib.c'), LIB_C);
    writeFileSync(join(dir, 'lib.map'), LIB_MAP);
    writeFileSync(join(dir, 'prog.c'), PROG_C);
    writeFileSync(join(dir, 'static.c'), STATIC_C);
    writeFileSync(join(dir, 'nolibc.c'), NOLIBC_C);
    gcc(['-shared', '-fPIC', '-O1', '-Wl,-soname,libdemo.so.1', '-Wl,-rpath,/opt/demo/lib', '-Wl,--version-script=lib.map', '-o', 'libdemo.so', 'lib.c']);
    gcc(['-O1', '-o', 'prog', 'prog.c', '-L.', '-ldemo', '-lm', '-Wl,--disable-new-dtags,-rpath,/opt/demo/lib:$ORIGIN']);
    gcc(['-O1', '-c', '-o', 'prog.o', 'prog.c']);
    gcc(['-static', '-O1', '-o', 'static', 'static.c']);
    // Debian's gcc has no 32-bit libc here, but -m32 without it still makes real ELF32 files.
    gcc(['-m32', '-nostdlib', '-static', '-O1', '-o', 'static32', 'nolibc.c']);
    gcc(['-m32', '-nostdlib', '-shared', '-fPIC', '-O1', '-Wl,-soname,libadd32.so', '-o', 'libadd32.so', 'nolibc.c']);
    for (const f of ['libdemo.so', 'prog', 'prog.o', 'static', 'static32', 'libadd32.so']) files[f] = join(dir, f);
    stoq = new Stoq({ alwaysDispatch: ['elf'], logLevel: 'silent' });
  });

  afterAll(async () => {
    await stoq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['libdemo.so', 'prog', 'prog.o', 'static', 'static32', 'libadd32.so'])('gives readelf’s values for gcc’s %s', async (name) => {
    const { response, elf } = await scan(readFileSync(files[name]!));
    expect(response.errors).toEqual([]);
    compare(name, elf!, readelf(files[name]!));
  });

  it('reads the libraries, search paths and interpreter of a dynamically linked program', async () => {
    const { elf } = await scan(readFileSync(files['prog']!));
    expect(elf!.needed).toEqual(['libdemo.so.1', 'libm.so.6', 'libc.so.6']);
    expect(elf!.rpath).toBe('/opt/demo/lib:$ORIGIN');
    expect(elf!.runpath).toBeNull();
    expect(elf!.interpreter).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(elf!.header).toMatchObject({ class: 'ELF64', type: 'DYN', pie: true, machine: 'Advanced Micro Devices X86-64' });
    expect(elf!.dynamic_symbols.find((s) => s.name === 'demo_add')).toMatchObject({
      type: 'FUNC',
      bind: 'GLOBAL',
      section: 'UND',
      version: { name: 'DEMO_1.0', hidden: false, required: true },
    });
    expect(elf!.dynamic_symbols.find((s) => s.name === 'printf')?.version).toMatchObject({ name: expect.stringMatching(/^GLIBC_2\./), required: true });

    const lib = (await scan(readFileSync(files['libdemo.so']!))).elf!;
    expect(lib).toMatchObject({ soname: 'libdemo.so.1', runpath: '/opt/demo/lib', rpath: null, interpreter: null });
    expect(lib.header.pie).toBe(false);
    expect(lib.dynamic_symbols.find((s) => s.name === 'demo_counter')).toMatchObject({
      type: 'OBJECT',
      size: 4,
      section: '.data',
      version: { name: 'DEMO_1.0', hidden: false, required: false },
    });
    expect(lib.dynamic_symbols.find((s) => s.name === 'demo_legacy')?.version).toEqual({ index: 2, name: 'DEMO_0.9', hidden: true, required: false });
    // The symbols that name the version definitions carry no version, as readelf shows them.
    expect(lib.dynamic_symbols.find((s) => s.name === 'DEMO_1.0')).toMatchObject({ section: 'ABS', version: null });
  });

  it('finds the dynamic symbols of a file without section headers through DT_SYMTAB and DT_GNU_HASH or DT_HASH', async () => {
    gcc(['-shared', '-fPIC', '-O1', '-Wl,--hash-style=sysv', '-Wl,--version-script=lib.map', '-o', 'libsysv.so', 'lib.c']);
    for (const name of ['prog', 'libdemo.so', 'libsysv.so']) {
      const whole = readFileSync(join(dir, name));
      const stripped = Buffer.from(whole);
      // What sstrip does to the header: no section header table.
      stripped.writeBigUInt64LE(0n, 40);
      stripped.fill(0, 58, 64);
      const { response, elf } = await scan(stripped);
      expect(response.errors).toEqual([]);
      expect(elf!.sections).toEqual([]);
      const withSections = (await scan(whole)).elf!.dynamic_symbols;
      expect(withSections.length, name).toBeGreaterThan(5);
      // Without sections there are no section names and no version sections.
      expect(elf!.dynamic_symbols, name).toEqual(
        withSections.map((s) => ({ ...s, section: s.section_index > 0 && s.section_index < 0xff00 ? null : s.section, version: null })),
      );
    }
  });

  const handmade: Array<[string, ElfSpec]> = [
    ['ELF32 big-endian (PowerPC)', { is64: false, littleEndian: false, machine: 20, flags: 0x80000000 }],
    ['ELF64 big-endian (s390x)', { is64: true, littleEndian: false, machine: 22, osabi: 3 }],
    ['ELF32 little-endian (ARM)', { is64: false, littleEndian: true, machine: 40, flags: 0x05000000 }],
    ['ELF64 little-endian (RISC-V, unknown OS/ABI)', { is64: true, littleEndian: true, machine: 243, osabi: 0x61 }],
    ['ELF64 big-endian (SPARC v9) executable', { is64: true, littleEndian: false, machine: 43, type: 2 }],
    ['ELF64 little-endian (x86-64, GNU OS/ABI)', { is64: true, littleEndian: true, machine: 62, osabi: 3 }],
  ];
  it.each(handmade)('gives readelf’s values for a handmade %s', async (_what, spec) => {
    const bytes = buildElf({
      ...spec,
      interp: '/lib/ld-test.so.1',
      needed: ['libone.so.1', 'libtwo.so'],
      soname: 'libhand.so.3',
      runpath: '/hand/lib',
      symbols: [
        { name: 'hand_fn', value: 0x10400n, size: 32n, info: 0x12, other: 0, shndx: 'text' },
        { name: 'weak_obj', value: 0n, size: 0n, info: 0x21, other: 0, shndx: 0 },
        { name: 'hidden_abs', value: 0x1234n, size: 8n, info: 0x11, other: 2, shndx: 0xfff1 },
        { name: 'ifunc', value: 0x10410n, size: 0n, info: 0x1a, other: 3, shndx: 'text' },
        { name: 'unique', value: 0x10418n, size: 4n, info: 0xa1, other: 1, shndx: 'text' },
        { name: 'os_bits', value: 0x10418n, size: 4n, info: 0xcf, other: 0, shndx: 0xff20 },
      ],
    });
    // .text (section 5) gets flag bits whose letters depend on machine and OS/ABI: SHF_GNU_RETAIN (R or o),
    // SHF_GNU_MBIND (D or o), 0x10000000 (PowerPC v, else p), exclude (E, unless p took it).
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const shoff = Number(spec.is64 ? view.getBigUint64(40, spec.littleEndian) : view.getUint32(32, spec.littleEndian));
    const flagsAt = shoff + 5 * (spec.is64 ? 64 : 40) + 8;
    const flags = (0x6 | 0x200000 | 0x01000000 | 0x10000000 | 0x80000000) >>> 0;
    if (spec.is64) view.setBigUint64(flagsAt, BigInt(flags), spec.littleEndian);
    else view.setUint32(flagsAt, flags, spec.littleEndian);
    const file = join(dir, 'handmade');
    writeFileSync(file, bytes);
    const { response, elf } = await scan(bytes);
    expect(response.errors).toEqual([]);
    compare(_what, elf!, readelf(file));
    expect(elf!.needed).toEqual(['libone.so.1', 'libtwo.so']);
    expect(elf!.dynamic_symbols.map((s) => s.name)).toEqual(['', 'hand_fn', 'weak_obj', 'hidden_abs', 'ifunc', 'unique', 'os_bits']);
  });

  describe('bad input', () => {
    const sample = () =>
      buildElf({
        is64: true,
        littleEndian: true,
        machine: 62,
        needed: ['libc.so.6'],
        symbols: [{ name: 'f', value: 0x10400n, size: 1n, info: 0x12, other: 0, shndx: 'text' }],
      });
    const shoffOf = (b: Buffer) => Number(b.readBigUInt64LE(40));
    const errorsOf = (r: Awaited<ReturnType<typeof scan>>) => r.response.errors.map((e) => `${e.plugin_name}: ${e.error}`);

    it('refuses what is not ELF, or whose header is cut short, naming the plugin', async () => {
      for (const [bytes, message] of [
        [Buffer.from('MZ not an elf file'), /not an ELF file/],
        [sample().subarray(0, 40), /truncated ELF header: 40 bytes, an ELF64 header needs 64/],
        [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 9, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), /unknown ELF class 9/],
      ] as const) {
        const r = await scan(bytes);
        expect(r.elf).toBeUndefined();
        expect(errorsOf(r)).toEqual([expect.stringMatching(/^elf: /)]);
        expect(errorsOf(r)[0]).toMatch(message);
      }
    });

    it('keeps what it could read of a truncated file, with an error naming the missing part', async () => {
      const prog = readFileSync(files['prog']!);
      for (const keep of [100, 1000, 4096, prog.length >> 1, prog.length - 100]) {
        const r = await scan(prog.subarray(0, keep));
        expect(r.elf!.header.machine).toBe('Advanced Micro Devices X86-64');
        expect(errorsOf(r).length, `cut at ${keep}`).toBeGreaterThan(0);
        expect(
          errorsOf(r).every((e) => e.startsWith('elf: malformed ELF: ')),
          errorsOf(r).join('\n'),
        ).toBe(true);
      }
      const half = await scan(prog.subarray(0, prog.length >> 1));
      // The program headers sit at the start, so they are all still there.
      expect(half.elf!.segments).toEqual((await scan(prog)).elf!.segments);
      expect(errorsOf(half).join('\n')).toMatch(/section header table \(offset \d+, \d+ entries of 64 bytes\) runs past the end of the file/);
    });

    it('reads at most the file’s worth of e_shnum = 65535 section headers, and at most max_sections', async () => {
      const b = sample();
      b.writeUInt16LE(65535, 60);
      const r = await scan(b);
      expect(r.elf!.sections).toHaveLength(7);
      expect(errorsOf(r)).toContainEqual(
        expect.stringMatching(/section header table \(offset \d+, 65535 entries of 64 bytes\) runs past the end of the file: 7 entries read/),
      );

      // Extended numbering: section 0's sh_size claims 2^32-1 sections.
      const ext = sample();
      ext.writeUInt16LE(0, 60);
      ext.writeBigUInt64LE(0xffffffffn, shoffOf(ext) + 32);
      const limited = new Stoq({ alwaysDispatch: ['elf'], logLevel: 'silent', pluginOpts: { elf: { max_sections: 3 } } });
      try {
        const r2 = await limited.scan(ext);
        const elf = r2.results[0]!.workers['elf'] as ElfResult;
        expect(elf.sections).toHaveLength(3);
        expect(r2.errors.map((e) => e.error)).toContainEqual(
          expect.stringMatching(/section header table has 4294967295 entries; only the first 3 are read \(limit\)/),
        );
      } finally {
        await limited.close();
      }
    });

    it('reports section contents and string tables that lie past the end, or lack terminators', async () => {
      const b = sample();
      const shoff = shoffOf(b);
      // .dynstr (section 2) moved past the end: the symbol names are gone, the rest stays.
      b.writeBigUInt64LE(0xfffffff0n, shoff + 2 * 64 + 24);
      // .shstrtab (section 6) cut by one byte: the last name loses its NUL.
      b.writeBigUInt64LE(b.readBigUInt64LE(shoff + 6 * 64 + 32) - 1n, shoff + 6 * 64 + 32);
      const r = await scan(b);
      expect(r.elf!.sections.map((s) => s.name)).toEqual(['', '.interp', '.dynstr', '.dynsym', '.dynamic', '.text', '.shstrtab']);
      expect(r.elf!.dynamic_symbols.map((s) => s.name)).toEqual([null, null]);
      expect(r.elf!.needed).toEqual(['libc.so.6']);
      expect(errorsOf(r)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/the dynamic symbol string table \(offset 4294967280, \d+ bytes\) runs past the end of the file/),
          'elf: malformed ELF: the section-name string table ends inside a name (no NUL terminator)',
        ]),
      );
    });

    it('stops at max_symbols and max_dynamic_entries', async () => {
      const many = buildElf({
        is64: false,
        littleEndian: false,
        machine: 20,
        needed: Array.from({ length: 30 }, (_, i) => `lib${i}.so`),
        symbols: Array.from({ length: 50 }, (_, i) => ({ name: `s${i}`, value: BigInt(i), size: 0n, info: 0x10, other: 0, shndx: 0 })),
      });
      const limited = new Stoq({ alwaysDispatch: ['elf'], logLevel: 'silent', pluginOpts: { elf: { max_symbols: 10, max_dynamic_entries: 5 } } });
      try {
        const r = await limited.scan(many);
        const elf = r.results[0]!.workers['elf'] as ElfResult;
        expect(elf.dynamic_symbols).toHaveLength(10);
        expect(elf.dynamic).toHaveLength(5);
        expect(elf.needed).toEqual(['lib0.so', 'lib1.so', 'lib2.so', 'lib3.so', 'lib4.so']);
        expect(r.errors.map((e) => e.error)).toEqual([
          'malformed ELF: the dynamic section has more than 5 entries; the rest are not read (limit)',
          'malformed ELF: more than 10 dynamic symbols; the rest are not read (limit)',
        ]);
      } finally {
        await limited.close();
      }
    });

    it('survives hundreds of corrupted copies of a real program, each answered with results or errors', async () => {
      const prog = readFileSync(files['prog']!);
      let seed = 14;
      const random = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed;
      };
      for (let i = 0; i < 300; i++) {
        const copy = Buffer.from(prog);
        // Corrupt the header and tables, where the parser's offsets and counts come from.
        for (let k = 0; k < 8; k++) copy[64 + (random() % 900)] = random() & 0xff;
        copy[40 + (random() % 24)] = random() & 0xff;
        const r = await scan(copy);
        expect(r.elf ?? r.response.errors.length).toBeTruthy();
      }
    });
  });

  it('is where the yara dispatcher sends ELF files', async () => {
    const routed = new Stoq({ dispatchers: ['yara'], logLevel: 'silent' });
    try {
      const r = await routed.scan(readFileSync(files['libadd32.so']!));
      expect(r.results[0]!.plugins_run.workers).toContain('elf');
      expect((r.results[0]!.workers['elf'] as ElfResult).soname).toBe('libadd32.so');
      expect((await routed.scan(Buffer.from('\x7fELX not quite'))).results[0]!.plugins_run.workers).not.toContain('elf');
    } finally {
      await routed.close();
    }
  });
});
