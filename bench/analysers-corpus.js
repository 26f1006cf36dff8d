import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentFormats } from './document-formats.js';
import { minimalPe } from './minimal-pe.js';
import { between, byteStream, rng } from './prng.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const ROOT = new URL('..', import.meta.url).pathname;

const onPath = (bin) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, bin)));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
/** Log-uniform sizes: as many small files as large ones, like real collections. */
const logSize = (next, min, max) => Math.round(Math.exp(Math.log(min) + next() * (Math.log(max) - Math.log(min))));

/**
 * The formats of the analysers, for `bench/runners/plugin-cost.js`: one folder per format (pe,
 * pe-embedded, elf, lnk, x509, ioc-text, random; doc, docx, xls, xlsx, rtf, pdf, html, eml, js
 * from bench/document-formats.js). Built by the real tools where they
 * are installed (MinGW-w64, gcc, openssl, osslsigncode), plus real files of the format found on
 * this machine (runtime DLLs, /usr/bin ELFs, the CA store). Sizes and choices come from `seed`;
 * compilers and openssl's keys are not seeded, so those bytes differ between machines (their
 * structure does not). Returns what was built and what had to be substituted.
 */
export function analyserFormats(dir, spec) {
  const next = rng(spec.seed);
  const bytes = byteStream(spec.seed);
  const work = mkdtempSync(join(tmpdir(), 'stoq-bench-analysers-'));
  const notes = [];
  const categories = {};
  let files = 0;
  let total = 0;
  const put = (category, name, data) => {
    const folder = join(dir, category);
    if (!existsSync(folder)) mkdirSync(folder);
    writeFileSync(join(folder, name), data);
    categories[category] = (categories[category] ?? 0) + 1;
    files++;
    total += data.length;
  };
  try {
    const x509 = certificates(work, next, spec, notes);
    for (const [name, data] of x509) put('x509', name, data);
    const pes = portableExecutables(work, next, bytes, spec, notes, x509.signer);
    for (const [name, data] of pes) put('pe', name, data);
    for (let i = 0; i < spec.embedded; i++) put('pe-embedded', `embedded-${i}.bin`, embedPes(next, bytes, pes));
    for (const [name, data] of elfs(work, next, spec, notes)) put('elf', name, data);
    for (const [name, data] of shortcuts(next, spec)) put('lnk', name, data);
    for (let i = 0; i < spec.iocText; i++) put('ioc-text', `iocs-${i}.txt`, iocText(next, logSize(next, 1 * KiB, spec.iocTextMax)));
    for (let i = 0; i < spec.random; i++) put('random', `random-${i}.bin`, bytes(logSize(next, 1 * KiB, spec.randomMax)));
    for (const [category, name, data] of documentFormats(work, next, spec, notes)) put(category, name, data);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { files, bytes: total, categories, notes };
}

// ------------------------------------------------------------------------------------ PE

const C_PROGRAM = (i, strings) => `#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
${Array.from({ length: 4 + i * 3 }, (_, f) => `__declspec(noinline) int f${f}(int x) { return x * ${f + 3} + (int)GetTickCount(); }`).join('\n')}
static const char *messages[] = { ${strings.map((s) => JSON.stringify(s)).join(', ')} };
int main(int argc, char **argv) {
  int s = 0;
${Array.from({ length: 4 + i * 3 }, (_, f) => `  s += f${f}(argc);`).join('\n')}
  printf("%s %d %s\\n", messages[s % ${strings.length}], s, argv[0]);
  if (argc > 7) MessageBoxA(0, messages[0], "x", 0);
  return s;
}
`;
const C_DLL = (i) => `${Array.from({ length: 3 + i * 5 }, (_, f) => `__declspec(dllexport) int export_${i}_${f}(int a) { return a + ${f}; }`).join('\n')}\n`;
const VERSION_RC = (i) => `1 VERSIONINFO
FILEVERSION 1,${i},0,0
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "rxstoq bench"
      VALUE "FileDescription", "analysers corpus ${i}"
      VALUE "FileVersion", "1.${i}.0.0"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
2 RCDATA { "resource ${i}" }
`;

/** Programs and DLLs MinGW-w64 builds (some with resources, overlays, Authenticode), real runtime DLLs, .NET assemblies. */
function portableExecutables(work, next, bytes, spec, notes, signer) {
  const out = [];
  const gcc = 'x86_64-w64-mingw32-gcc';
  if (onPath(gcc)) {
    const dir = join(work, 'pe');
    mkdirSync(dir);
    const built = [];
    for (let i = 0; i < spec.peBuilds; i++) {
      const strings = Array.from({ length: 2 + i }, (_, k) => `http://host${k}.example.test/path/${i} and C:\\Temp\\file${k}.dat`);
      writeFileSync(join(dir, `p${i}.c`), C_PROGRAM(i, strings));
      writeFileSync(join(dir, `v${i}.rc`), VERSION_RC(i));
      run('x86_64-w64-mingw32-windres', [`v${i}.rc`, '-O', 'coff', '-o', `v${i}.o`], dir);
      // Alternate optimisation, symbols and static linking: different section layouts and import tables.
      const flags = [i % 2 ? '-O2' : '-O0', ...(i % 3 === 0 ? [] : ['-s']), ...(i % 4 === 3 ? ['-static'] : [])];
      run(gcc, [...flags, '-o', `p${i}.exe`, `p${i}.c`, `v${i}.o`, '-luser32'], dir);
      built.push([`built-${i}.exe`, readFileSync(join(dir, `p${i}.exe`))]);
      writeFileSync(join(dir, `d${i}.c`), C_DLL(i));
      run(gcc, ['-O1', '-shared', ...(i % 2 ? ['-s'] : []), '-o', `d${i}.dll`, `d${i}.c`], dir);
      built.push([`built-${i}.dll`, readFileSync(join(dir, `d${i}.dll`))]);
    }
    out.push(...built);
    // Overlays (bytes after the last section) of assorted sizes.
    for (let i = 0; i < Math.min(4, built.length); i++) {
      out.push([`overlay-${i}.exe`, Buffer.concat([built[i][1], bytes(logSize(next, 1 * KiB, 512 * KiB))])]);
    }
    if (onPath('osslsigncode') && signer) {
      for (let i = 0; i < Math.min(4, built.length); i += 2) {
        const from = join(dir, `sign-${i}.exe`);
        writeFileSync(from, built[i][1]);
        run('osslsigncode', ['sign', '-certs', signer.cert, '-key', signer.key, '-n', 'rxstoq bench', '-in', from, '-out', `${from}.signed`], dir);
        out.push([`signed-${i}.exe`, readFileSync(`${from}.signed`)]);
      }
    } else notes.push('osslsigncode is not installed: no Authenticode-signed PEs');
  } else {
    notes.push(`${gcc} is not installed: the PE samples are generated minimal PE32+ files (bench/minimal-pe.js), no imports or resources`);
    for (let i = 0; i < 2 * spec.peBuilds; i++) out.push([`minimal-${i}.exe`, minimalPe(1 + (i % 4), bytes(between(next, 512, 64 * KiB)))]);
  }
  // Real PEs of this machine: MinGW's runtime DLLs and Mono's .NET assemblies, a seeded choice.
  const real = [
    ...findFiles('/usr/lib/gcc/x86_64-w64-mingw32', /\.dll$/),
    ...findFiles('/usr/x86_64-w64-mingw32/lib', /\.dll$/),
    ...findFiles('/usr/lib/mono', /\.(dll|exe)$/),
  ]
    .filter((f) => f.size <= spec.realMax && isMz(f.path))
    .filter(() => next() < 0.5)
    .slice(0, spec.realPe);
  for (const f of real) out.push([`real-${f.path.slice(1).replace(/\//g, '_').slice(-60)}`, readFileSync(f.path)]);
  if (real.length === 0) notes.push('no PE files found on this machine (MinGW runtime DLLs, Mono assemblies): only built ones');
  return out;
}

/** The first four bytes of a file (zero-filled if shorter). */
function head(path) {
  const b = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, b, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return b;
}

const isMz = (path) => {
  const b = head(path);
  return b[0] === 0x4d && b[1] === 0x5a;
};

/** Random bytes with one to three of the PEs inside at seeded offsets: what pecarve looks for. */
function embedPes(next, bytes, pes) {
  const parts = [];
  const count = between(next, 1, 3);
  for (let i = 0; i < count; i++) {
    parts.push(bytes(logSize(next, 1 * KiB, 256 * KiB)));
    parts.push(pes[Math.floor(next() * Math.min(pes.length, 12))][1]);
  }
  parts.push(bytes(logSize(next, 1 * KiB, 64 * KiB)));
  return Buffer.concat(parts);
}

// ----------------------------------------------------------------------------------- ELF

const C_ELF = (i) => `#include <stdio.h>
#include <string.h>
#include <stdlib.h>
${Array.from({ length: 4 + i * 4 }, (_, f) => `int g${f}(int x) { return x * ${f + 1} + (int)strlen("${'s'.repeat(f + 1)}"); }`).join('\n')}
int main(int argc, char **argv) {
  int s = 0;
${Array.from({ length: 4 + i * 4 }, (_, f) => `  s += g${f}(argc);`).join('\n')}
  char *p = malloc(16); snprintf(p, 16, "%d", s); puts(p); free(p);
  return argc > 3 ? atoi(argv[1]) : s;
}
`;

/** gcc builds (optimised or not, debug info, stripped, static, a shared library) plus real ELFs of /usr. */
function elfs(work, next, spec, notes) {
  const out = [];
  if (onPath('gcc')) {
    const dir = join(work, 'elf');
    mkdirSync(dir);
    const variants = [['-O0'], ['-O2', '-s'], ['-O0', '-g'], ['-O2', '-g'], ['-O2', '-static', '-s'], ['-O2', '-fPIC', '-shared'], ['-Os'], ['-O2', '-static']];
    variants.slice(0, spec.elfBuilds).forEach((flags, i) => {
      writeFileSync(join(dir, `e${i}.c`), C_ELF(i));
      const name = flags.includes('-shared') ? `libe${i}.so` : `e${i}`;
      run('gcc', [...flags, '-o', name, `e${i}.c`], dir);
      out.push([`built-${i}${flags.join('')}`, readFileSync(join(dir, name))]);
    });
  } else notes.push('gcc is not installed: only real ELF files of this machine');
  const real = [...findFiles('/usr/bin', /./), ...findFiles('/usr/lib/x86_64-linux-gnu', /\.so/)]
    .filter((f) => f.size <= spec.realMax && isElf(f.path))
    .filter(() => next() < 0.1)
    .slice(0, spec.realElf);
  for (const f of real) out.push([`real-${f.path.slice(1).replace(/\//g, '_').slice(-60)}`, readFileSync(f.path)]);
  return out;
}

const isElf = (path) => {
  const b = head(path);
  return b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
};

/** Regular files under `dir` (not following links), sorted, at most 6 levels down. */
function findFiles(dir, pattern, depth = 0, out = []) {
  if (depth > 6) return out;
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    return out;
  }
  for (const d of names) {
    const path = join(dir, d.name);
    if (d.isDirectory()) findFiles(path, pattern, depth + 1, out);
    else if (d.isFile() && pattern.test(d.name)) {
      const { size } = statSync(path);
      if (size > 0) out.push({ path, size });
    }
  }
  return out;
}

// ----------------------------------------------------------------------------------- LNK

/**
 * The lnk tests' MS-SHLLINK writer (plugins/lnk/fixtures/lnk-builder.ts), transpiled on the fly:
 * the bench is plain JavaScript and fixtures are not part of the build.
 */
function lnkBuilder() {
  const require = createRequire(import.meta.url);
  const ts = require('typescript');
  const source = readFileSync(join(ROOT, 'plugins', 'lnk', 'fixtures', 'lnk-builder.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', outputText)(module, module.exports, require);
  return module.exports;
}

const FOLDERS = ['{F38BF404-1D43-42F2-9305-67DE0B28FC23}', '{FDD39AD0-238F-46AF-ADB4-6C85480369C7}', '{374DE290-123F-4565-9164-39C4925E467B}'];
const WORDS = ['Users', 'Public', 'Documents', 'invoice', 'report', 'setup', 'Windows', 'System32', 'Temp', 'AppData', 'Roaming', 'update'];

/** Shortcuts with seeded shapes: local or network targets, ANSI or Unicode strings, ID lists, extra-data blocks. */
function shortcuts(next, spec) {
  const b = lnkBuilder();
  const pick = (list) => list[Math.floor(next() * list.length)];
  const path = (n) => Array.from({ length: n }, () => pick(WORDS)).join('\\');
  const guid = () => `{${[8, 4, 4, 4, 12].map((n) => Array.from({ length: n }, () => '0123456789ABCDEF'[Math.floor(next() * 16)]).join('')).join('-')}}`;
  const out = [];
  for (let i = 0; i < spec.lnk; i++) {
    const depth = between(next, 1, 6);
    const target = `C:\\${path(depth)}\\${pick(WORDS)}.exe`;
    const network = next() < 0.3;
    const blocks = [];
    if (next() < 0.6)
      blocks.push(b.trackerBlock(`desktop-${i}`, guid(), `{${['00000000', '0000', '11EF', '8000', `00155D${String(i).padStart(6, '0')}`].join('-')}}`));
    if (next() < 0.3) blocks.push(b.environmentBlock(`%SystemRoot%\\${path(2)}.exe`));
    if (next() < 0.3) blocks.push(b.knownFolderBlock(pick(FOLDERS), 20));
    if (next() < 0.2) blocks.push(b.specialFolderBlock(0x25, 20));
    if (next() < 0.2) blocks.push(b.consoleFeBlock(pick([437, 850, 1252])));
    const spec1 = {
      unicode: next() < 0.7,
      creation: 132_000_000_000_000_000n + BigInt(i) * 1_000_000_000n,
      write: 133_000_000_000_000_000n + BigInt(i) * 1_000_000_000n,
      fileSize: between(next, 0, 10 * MiB),
      idList: [
        b.rootItem('{20D04FE0-3AEA-1069-A2D8-08002B30309D}'),
        b.volumeItem('C:\\'),
        ...Array.from({ length: depth }, (_, k) => b.fileItem(`DIR${k}~1`, pick(WORDS), k < depth - 1)),
      ],
      linkInfo: network
        ? { network: { netName: `\\\\server${i}\\share`, deviceName: 'Z:', providerType: 0x20000 }, suffix: path(2) }
        : { local: { driveType: 3, serial: between(next, 1, 2 ** 31), label: `VOL${i}`, basePath: target } },
      name: next() < 0.5 ? `shortcut ${i}` : undefined,
      relativePath: `..\\${path(2)}`,
      workingDir: `C:\\${path(2)}`,
      arguments: next() < 0.5 ? `/c start ${path(3)} --flag=${i}` : undefined,
      iconLocation: next() < 0.4 ? '%SystemRoot%\\System32\\shell32.dll' : undefined,
      blocks,
    };
    out.push([`shortcut-${i}.lnk`, b.buildLnk(spec1)]);
  }
  return out;
}

// ---------------------------------------------------------------------------------- X.509

/** openssl-made CA and leaves (RSA, EC, Ed25519) in PEM, DER, chains and PKCS#7; the system CA store. */
function certificates(work, next, spec, notes) {
  const out = [];
  if (!onPath('openssl')) {
    notes.push('openssl is not installed: only the certificates of the system CA store');
  } else {
    const dir = join(work, 'x509');
    mkdirSync(dir);
    const ssl = (args) => run('openssl', args, dir);
    ssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '365',
      '-subj',
      '/C=US/O=rxstoq bench/CN=bench CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ]);
    out.push(['ca.pem', readFileSync(join(dir, 'ca.pem'))]);
    const keys = [['rsa:2048'], ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], ['ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], ['ed25519']];
    for (let i = 0; i < spec.certs; i++) {
      const [alg, ...keyopts] = keys[i % keys.length];
      ssl([
        'req',
        '-new',
        '-newkey',
        alg,
        ...keyopts,
        '-nodes',
        '-keyout',
        `l${i}.key`,
        '-out',
        `l${i}.csr`,
        '-subj',
        `/C=DE/O=bench ${i}/CN=leaf${i}.example.test`,
      ]);
      // From one to a few hundred alternative names: the x509 plugin's loop bound is on these.
      const sans = Array.from({ length: logSize(next, 1, 300) }, (_, k) =>
        k % 7 === 6 ? `IP:10.${i}.${k >> 8}.${k & 255}` : `DNS:h${k}.leaf${i}.example.test`,
      );
      writeFileSync(join(dir, `l${i}.cnf`), `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`);
      ssl([
        'x509',
        '-req',
        '-in',
        `l${i}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        String(1000 + i),
        '-days',
        '90',
        '-out',
        `l${i}.pem`,
        '-extfile',
        `l${i}.cnf`,
      ]);
      ssl(['x509', '-in', `l${i}.pem`, '-outform', 'DER', '-out', `l${i}.der`]);
      const chain = Buffer.concat([readFileSync(join(dir, `l${i}.pem`)), readFileSync(join(dir, 'ca.pem'))]);
      writeFileSync(join(dir, `chain${i}.pem`), chain);
      ssl(['crl2pkcs7', '-nocrl', '-certfile', `chain${i}.pem`, '-outform', i % 2 ? 'DER' : 'PEM', '-out', `chain${i}.p7b`]);
      out.push([`leaf-${i}.pem`, readFileSync(join(dir, `l${i}.pem`))], [`leaf-${i}.der`, readFileSync(join(dir, `l${i}.der`))]);
      out.push([`chain-${i}.pem`, chain], [`chain-${i}.p7b`, readFileSync(join(dir, `chain${i}.p7b`))]);
    }
    // RSA (i = 0): what osslsigncode signs the PE samples with; `work` outlives the PE builds.
    if (spec.certs > 0) out.signer = { cert: join(dir, 'l0.pem'), key: join(dir, 'l0.key') };
  }
  const store = '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(store)) out.push(['system-ca-bundle.pem', readFileSync(store)]);
  const mozilla = findFiles('/usr/share/ca-certificates', /\.crt$/)
    .filter(() => next() < 0.2)
    .slice(0, spec.realCerts);
  for (const f of mozilla)
    out.push([
      `real-${f.path
        .split('/')
        .pop()
        .replace(/[^\w.-]/g, '_')}`,
      readFileSync(f.path),
    ]);
  return out;
}

// ------------------------------------------------------------------------------ IOC text

const PROSE = [
  'the',
  'beacon',
  'contacted',
  'server',
  'download',
  'from',
  'dropped',
  'payload',
  'observed',
  'at',
  'with',
  'hash',
  'user',
  'sent',
  'mail',
  'to',
  'via',
];
const TLDS = ['com', 'net', 'org', 'io', 'ru', 'cn', 'info', 'xyz', 'de', 'co.uk'];

/** Report- and log-like text dense with indicators, plain and defanged. */
function iocText(next, size) {
  const pick = (list) => list[Math.floor(next() * list.length)];
  const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(next() * 16)]).join('');
  const octet = () => between(next, 1, 254);
  const domain = () => `${pick(PROSE)}${between(next, 1, 999)}.${pick(PROSE)}.${pick(TLDS)}`;
  const iocs = [
    () => `${octet()}.${octet()}.${octet()}.${octet()}`,
    () => `${octet()}[.]${octet()}[.]${octet()}[.]${octet()}`,
    () => `2001:db8:${hex(4)}::${hex(4)}`,
    () => domain(),
    () => domain().replace(/\./g, '[.]'),
    () => `https://${domain()}/${pick(PROSE)}/${hex(8)}.php?id=${between(next, 1, 1e6)}`,
    () => `hxxp://${domain().replace(/\./g, '[.]')}/${pick(PROSE)}.exe`,
    () => `${pick(PROSE)}.${between(next, 1, 99)}@${domain()}`,
    () => hex(32),
    () => hex(40),
    () => hex(64),
    () => Array.from({ length: 6 }, () => hex(2)).join(':'),
  ];
  const parts = [];
  let length = 0;
  while (length < size) {
    const line = `${new Date(1.7e12 + between(next, 0, 3e10)).toISOString()} ${Array.from({ length: between(next, 4, 16) }, () =>
      next() < 0.25 ? pick(iocs)() : pick(PROSE),
    ).join(' ')}\n`;
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join('').slice(0, size), 'latin1');
}
