import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Real PEs built by MinGW-w64 (and signed by osslsigncode) for the peinfo and pecarve tests. */
export interface PeSamples {
  /** PE32+ executable: imports from six DLLs (ordinals of ws2_32, oleaut32 and an unknown foo.dll), a version resource, an RCDATA resource, a TLS callback, a build-id debug entry. */
  exe64: string;
  /** The same with 4 KiB of bytes appended (an overlay). */
  overlay64: string;
  /** PE32+ DLL exporting two named functions and one by ordinal only. */
  dll64: string;
  /** exe64 Authenticode-signed with a self-signed certificate (cert.pem). */
  signed64: string;
  cert: string;
  /** exe64 with a hand-built Rich header inserted between the DOS stub and the PE header. */
  rich64: string;
  /** PE32 build of exe64, where i686-w64-mingw32-gcc is installed. */
  exe32: string | undefined;
  /** A .NET assembly (hello, version 3.1.4.1) compiled by Mono's C# compiler, where mcs is installed. */
  dotnet: string | undefined;
}

/** C# that fills most metadata tables before Assembly (fields, constants, properties, events, generics, P/Invoke…), so their widths are all counted. */
const CS_HELLO = [
  'using System; using System.Reflection; using System.Runtime.InteropServices; using System.Collections.Generic;',
  '[assembly: AssemblyVersion("3.1.4.1")]',
  '[assembly: AssemblyTitle("rxstoq dotnet sample")]',
  ...Array.from(
    { length: 30 },
    (_, i) =>
      `public class C${i}<T> : IDisposable { public const int K = ${i}; [NonSerialized] public int f; public string P { get; set; } public event EventHandler E; ` +
      'public void Dispose() { E?.Invoke(null, null); } public List<T> M(T x) { return new List<T> { x }; } }',
  ),
  'public static class Native { [DllImport("user32.dll")] public static extern int MessageBoxA(IntPtr h, string t, string c, int k); }',
  'public class Hello { public static int Main() { Console.WriteLine("hi"); return 0; } }',
].join('\n');

const C_MAIN = `#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
extern unsigned short __stdcall htons(unsigned short);
extern void *__stdcall SysAllocString(const void *);
extern int bar(void);
static void NTAPI tls_cb(PVOID h, DWORD r, PVOID p) { (void)h; (void)r; (void)p; }
__attribute__((used, section(".CRT$XLB"))) PIMAGE_TLS_CALLBACK p_tls_cb = tls_cb;
int main(void) {
  printf("%d %p %d\\n", htons(1), SysAllocString(0), bar());
  MessageBoxA(0, "x", "y", 0);
  return (int)GetTickCount();
}
`;

const C_DLL = `__declspec(dllexport) int add(int a, int b) { return a + b; }
__declspec(dllexport) int sub(int a, int b) { return a - b; }
int hidden(int a) { return a * 3; }
`;

const DLL_DEF = `EXPORTS
add
sub
hidden @42 NONAME
`;

const VERSION_RC = `1 VERSIONINFO
FILEVERSION 1,2,3,4
PRODUCTVERSION 1,2,3,4
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "rxstoq tests"
      VALUE "FileDescription", "peinfo differential sample"
      VALUE "FileVersion", "1.2.3.4"
      VALUE "ProductName", "rxstoq"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
2 RCDATA { "hello resource" }
`;

/** Import libraries that make the linker import these functions by ordinal only. */
const ordinalDefs = (stdcall: boolean): Record<string, string> => ({
  ords: `LIBRARY ws2_32.dll\nEXPORTS\n${stdcall ? 'htons@4' : 'htons'} @9 NONAME\n`,
  ole: `LIBRARY oleaut32.dll\nEXPORTS\n${stdcall ? 'SysAllocString@4' : 'SysAllocString'} @2 NONAME\n`,
  foo: 'LIBRARY foo.dll\nEXPORTS\nbar @7 NONAME\n',
});

const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

function buildExe(dir: string, prefix: string, stdcall: boolean, out: string): string {
  const arch = join(dir, prefix);
  run('mkdir', ['-p', arch], dir);
  writeFileSync(join(arch, 'main.c'), C_MAIN);
  writeFileSync(join(arch, 'ver.rc'), VERSION_RC);
  for (const [name, def] of Object.entries(ordinalDefs(stdcall))) {
    writeFileSync(join(arch, `${name}.def`), def);
    run(`${prefix}-dlltool`, ['-d', `${name}.def`, '-l', `lib${name}.a`], arch);
  }
  run(`${prefix}-windres`, ['ver.rc', '-O', 'coff', '-o', 'ver.o'], arch);
  run(`${prefix}-gcc`, ['-O1', '-s', '-o', out, 'main.c', 'ver.o', '-L.', '-lords', '-lole', '-lfoo', '-luser32', '-Wl,--build-id'], arch);
  return join(arch, out);
}

/** Inserts a Rich header (DanS … Rich) at 0x80 and moves the NT headers after it, inside the header padding. */
export function withRichHeader(pe: Buffer, entries: [compId: number, count: number][], key: number): Buffer {
  const eLfanew = pe.readUInt32LE(0x3c);
  const sections = pe.readUInt16LE(eLfanew + 6);
  const ntLength = 24 + pe.readUInt16LE(eLfanew + 20) + 40 * sections;
  const words = [0x536e6144 ^ key, key, key, key, ...entries.flatMap(([id, n]) => [id ^ key, n ^ key]), 0x68636952, key].map((w) => w >>> 0);
  const rich = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => {
    rich.writeUInt32LE(w, 4 * i);
  });
  const out = Buffer.from(pe);
  const newLfanew = 0x80 + rich.length;
  if (newLfanew + ntLength > pe.readUInt32LE(eLfanew + 24 + 60)) throw new Error('no room in the headers for a Rich header');
  pe.copy(out, newLfanew, eLfanew, eLfanew + ntLength);
  rich.copy(out, 0x80);
  out.writeUInt32LE(newLfanew, 0x3c);
  return out;
}

function buildDll(dir: string): string {
  writeFileSync(join(dir, 'lib.c'), C_DLL);
  writeFileSync(join(dir, 'lib.def'), DLL_DEF);
  run('x86_64-w64-mingw32-gcc', ['-O1', '-s', '-shared', '-o', 'lib.dll', 'lib.c', 'lib.def'], dir);
  return join(dir, 'lib.dll');
}

/** Just the PE32+ executable and DLL of `buildPeSamples` (what pecarve's tests embed). */
export function buildExeAndDll(dir: string): { exe64: string; dll64: string } {
  return { exe64: buildExe(dir, 'x86_64-w64-mingw32', false, 'main.exe'), dll64: buildDll(dir) };
}

/** The PE32+ executable of `buildPeSamples`, built in a temporary folder of its own: a fuzzing seed. */
export function seedPe(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'rxstoq-pe-seed-'));
  try {
    return readFileSync(buildExe(dir, 'x86_64-w64-mingw32', false, 'seed.exe'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function buildPeSamples(dir: string): PeSamples {
  const exe64 = buildExe(dir, 'x86_64-w64-mingw32', false, 'main.exe');
  const overlay64 = join(dir, 'overlay.exe');
  writeFileSync(overlay64, Buffer.concat([readFileSync(exe64), Buffer.alloc(4096, 0x5a)]));

  const dll64 = buildDll(dir);

  const cert = join(dir, 'cert.pem');
  run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      cert,
      '-days',
      '30',
      '-subj',
      '/C=DE/O=rxstoq tests, signing/CN=peinfo signer',
    ],
    dir,
  );
  const signed64 = join(dir, 'signed.exe');
  run('osslsigncode', ['sign', '-certs', cert, '-key', 'key.pem', '-n', 'rxstoq', '-in', exe64, '-out', signed64], dir);

  const rich64 = join(dir, 'rich.exe');
  writeFileSync(
    rich64,
    withRichHeader(
      readFileSync(exe64),
      [
        [0x00ff7809, 1],
        [0x01047809, 12],
        [0x01037809, 3],
      ],
      0x1f2e3d4c,
    ),
  );

  const exe32 = existsSync('/usr/bin/i686-w64-mingw32-gcc') ? buildExe(dir, 'i686-w64-mingw32', true, 'main32.exe') : undefined;
  let dotnet: string | undefined;
  if (existsSync('/usr/bin/mcs')) {
    writeFileSync(join(dir, 'hello.cs'), CS_HELLO);
    run('mcs', ['-out:hello.exe', 'hello.cs'], dir);
    dotnet = join(dir, 'hello.exe');
  }
  return { exe64, overlay64, dll64, signed64, cert, rich64, exe32, dotnet };
}

export interface HandmadeSection {
  name?: string;
  virtualAddress: number;
  raw: Buffer;
  /** Defaults to where the builder lays the raw data out; set to make sections share bytes. */
  rawPointer?: number;
}

/**
 * A minimal PE32+ image laid out by hand (file alignment 0x200, section alignment 0x1000), for
 * malformed inputs no compiler makes: `directories` maps a data-directory index to [rva, size],
 * `numberOfSections` overrides the count the file header claims.
 */
export function handmadePe(sections: HandmadeSection[], directories: Record<number, [number, number]> = {}, numberOfSections?: number): Buffer {
  const tableAt = 0x40 + 24 + 240;
  const headersEnd = tableAt + 40 * sections.length;
  const align = (n: number) => Math.ceil(n / 0x200) * 0x200;
  let rawAt = align(headersEnd);
  const layout = sections.map((s) => {
    const at = s.rawPointer ?? rawAt;
    if (s.rawPointer === undefined) rawAt += align(s.raw.length);
    return at;
  });
  const out = Buffer.alloc(Math.max(rawAt, ...layout.map((at, i) => at + align(sections[i]!.raw.length))));
  out.write('MZ', 0, 'latin1');
  out.writeUInt32LE(0x40, 0x3c);
  out.write('PE\0\0', 0x40, 'latin1');
  const fh = 0x44;
  out.writeUInt16LE(0x8664, fh);
  out.writeUInt16LE(numberOfSections ?? sections.length, fh + 2);
  out.writeUInt32LE(0x5f000000, fh + 4);
  out.writeUInt16LE(240, fh + 16);
  out.writeUInt16LE(0x0022, fh + 18);
  const oh = fh + 20;
  out.writeUInt16LE(0x20b, oh);
  out.writeUInt32LE(0x1000, oh + 16);
  out.writeBigUInt64LE(0x140000000n, oh + 24);
  out.writeUInt32LE(0x1000, oh + 32);
  out.writeUInt32LE(0x200, oh + 36);
  out.writeUInt32LE(align(headersEnd), oh + 60);
  out.writeUInt16LE(3, oh + 68);
  out.writeUInt32LE(16, oh + 108);
  for (const [index, [rva, size]] of Object.entries(directories)) {
    out.writeUInt32LE(rva, oh + 112 + 8 * Number(index));
    out.writeUInt32LE(size, oh + 112 + 8 * Number(index) + 4);
  }
  sections.forEach((s, i) => {
    const at = tableAt + 40 * i;
    out.write((s.name ?? `.s${i}`).slice(0, 8), at, 'latin1');
    out.writeUInt32LE(Math.max(s.raw.length, 1), at + 8);
    out.writeUInt32LE(s.virtualAddress, at + 12);
    out.writeUInt32LE(align(s.raw.length), at + 16);
    out.writeUInt32LE(layout[i]!, at + 20);
    out.writeUInt32LE(0x40000040, at + 36);
    s.raw.copy(out, layout[i]!);
  });
  return out;
}
