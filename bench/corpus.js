import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync, lstatSync } from 'node:fs';
import { join, relative } from 'node:path';
import { between, byteStream, rng } from './prng.js';
import { analyserFormats } from './analysers-corpus.js';
import { makeZip } from './zip.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Every corpus the benchmark uses, generated from fixed seeds: the same bytes on every machine,
 * so runs compare. Each lives in its own folder under `root` and is reused while its spec stamp
 * matches.
 */
export const SPECS = {
  small: { kind: 'random', seed: 'small', files: 5_000, min: 1 * KiB, max: 64 * KiB, perDir: 0 },
  small100k: { kind: 'random', seed: 'small100k', files: 100_000, min: 1 * KiB, max: 64 * KiB, perDir: 1_000 },
  large: { kind: 'random', seed: 'large', files: 8, min: 128 * MiB, max: 128 * MiB, perDir: 0 },
  nested: { kind: 'nested', seed: 'nested', depth: 5, fanout: 3, filesPerZip: 2, leafFiles: 4 },
  mixed: { kind: 'mixed', seed: 'mixed', perCategory: 40 },
  // The formats of the analyser plugins (bench/analysers-corpus.js): ~300 files, ~40 MB.
  analysers: {
    kind: 'analysers',
    seed: 'analysers',
    peBuilds: 6,
    realPe: 20,
    realMax: 4 * MiB,
    embedded: 20,
    elfBuilds: 8,
    realElf: 30,
    lnk: 40,
    certs: 8,
    realCerts: 20,
    iocText: 40,
    iocTextMax: 512 * KiB,
    random: 80,
    randomMax: 2 * MiB,
    // Documents, emails and scripts (bench/document-formats.js): LibreOffice and Python build them.
    documents: 12,
    emails: 12,
    scripts: 12,
  },
};

/** Make (or reuse) one corpus; returns {dir, files, bytes, top?}. */
export function ensureCorpus(root, name, log = () => {}) {
  const spec = SPECS[name];
  const dir = join(root, name);
  const stampFile = join(root, `${name}.stamp.json`);
  const stamp = JSON.stringify(spec);
  if (existsSync(stampFile)) {
    const saved = JSON.parse(readFileSync(stampFile, 'utf8'));
    if (JSON.stringify(saved.spec) === stamp && existsSync(dir)) return saved.info;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  log(`generating corpus ${name} ...`);
  const info = { random: randomFiles, nested: nestedZips, mixed: mixedFormats, analysers: analyserFormats }[spec.kind](dir, spec);
  info.dir = dir;
  log(`  ${info.files} files, ${(info.bytes / 1e6).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  writeFileSync(stampFile, JSON.stringify({ spec, info }));
  return info;
}

function randomFiles(dir, spec) {
  const sizes = rng(`${spec.seed}:sizes`);
  const bytes = byteStream(spec.seed);
  let total = 0;
  for (let i = 0; i < spec.files; i++) {
    const size = between(sizes, spec.min, spec.max);
    let target = dir;
    if (spec.perDir > 0) {
      target = join(dir, `d${String(Math.floor(i / spec.perDir)).padStart(3, '0')}`);
      if (i % spec.perDir === 0) mkdirSync(target, { recursive: true });
    }
    // Large files are written in chunks so generation never holds one whole in memory twice.
    const name = join(target, `f${String(i).padStart(6, '0')}.bin`);
    if (size <= 8 * MiB) writeFileSync(name, bytes(size));
    else {
      writeFileSync(name, Buffer.alloc(0));
      for (let left = size; left > 0; left -= 8 * MiB) writeFileSync(name, bytes(Math.min(left, 8 * MiB)), { flag: 'a' });
    }
    total += size;
  }
  return { files: spec.files, bytes: total };
}

/** A zip of zips, `depth` levels deep: each zip holds `fanout` zips of the next level and some files. */
function nestedZips(dir, spec) {
  const next = rng(spec.seed);
  const bytes = byteStream(spec.seed);
  let leaves = 0;
  let zips = 0;
  const file = (level, i) => {
    leaves++;
    // Half text (compresses, like documents and scripts), half random (like binaries and media).
    const size = between(next, 2 * KiB, 16 * KiB);
    const data = i % 2 === 0 ? Buffer.from(`level ${level} file ${i} `.repeat(Math.ceil(size / 20)).slice(0, size)) : bytes(size);
    return { name: `file-${level}-${i}.${i % 2 === 0 ? 'txt' : 'bin'}`, data };
  };
  const build = (level) => {
    zips++;
    const entries = [];
    if (level < spec.depth) {
      for (let i = 0; i < spec.fanout; i++) entries.push({ name: `level${level + 1}-${i}.zip`, data: build(level + 1) });
      for (let i = 0; i < spec.filesPerZip; i++) entries.push(file(level, i));
    } else {
      for (let i = 0; i < spec.leafFiles; i++) entries.push(file(level, i));
    }
    return makeZip(entries);
  };
  const top = build(0);
  const path = join(dir, 'nested.zip');
  writeFileSync(path, top);
  return { files: 1, bytes: top.length, top: path, zips, leaves };
}

const MAGIC = [
  ['elf', (b) => b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46],
  ['gzip', (b) => b[0] === 0x1f && b[1] === 0x8b],
  ['png', (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47],
  ['zip', (b) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4],
  ['wasm', (b) => b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d],
  ['pdf', (b) => b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46],
  ['jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['text', (b) => b.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127))],
];

function* walk(dir, maxSize = 16 * MiB, depth = 0) {
  if (depth > 8) return;
  let names;
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) yield* walk(p, maxSize, depth + 1);
    else if (st.isFile() && st.size > 0 && st.size <= maxSize) yield { path: p, size: st.size };
  }
}

/**
 * Real files of several formats from this machine (executables, libraries, compressed docs,
 * images, WebAssembly, scripts) plus archives 7-Zip makes from them. Which files exist varies
 * between machines a little; the selection among them is fixed (sorted walk, seeded choice).
 */
function mixedFormats(dir, spec) {
  const roots = [
    '/usr/bin',
    '/usr/lib/x86_64-linux-gnu',
    '/usr/share/doc',
    '/usr/share/icons',
    '/usr/share/pixmaps',
    new URL('../node_modules', import.meta.url).pathname,
  ];
  const next = rng(spec.seed);
  const picked = new Map(MAGIC.map(([k]) => [k, []]));
  const head = Buffer.alloc(512);
  for (const root of roots) {
    for (const f of walk(root)) {
      if (next() > 0.25) continue; // a seeded sample, not the first N of each folder
      let b;
      try {
        b = readFileSync(f.path).subarray(0, 512);
      } catch {
        continue;
      }
      head.fill(0);
      b.copy(head);
      const kind = MAGIC.find(([, test]) => test(b.length >= 4 ? b : head))?.[0];
      const list = kind && picked.get(kind);
      if (list && list.length < spec.perCategory) list.push(f);
    }
  }
  let files = 0;
  let bytes = 0;
  for (const [kind, list] of picked) {
    if (list.length === 0) continue;
    mkdirSync(join(dir, kind));
    list.forEach((f, i) => {
      const to = join(dir, kind, `${String(i).padStart(3, '0')}-${relative('/', f.path).replace(/\//g, '_').slice(-60)}`);
      copyFileSync(f.path, to);
      files++;
      bytes += f.size;
    });
  }
  // Archives of several formats built by 7-Zip from part of the set (when 7-Zip is installed).
  const sevenZip = findSevenZip();
  if (sevenZip) {
    mkdirSync(join(dir, 'archives'));
    for (const [name, type] of [
      ['text.7z', '7z'],
      ['text.tar', 'tar'],
      ['elf.zip', 'zip'],
    ]) {
      const from = join(dir, name.startsWith('elf') ? 'elf' : 'text');
      if (!existsSync(from)) continue;
      execFileSync(sevenZip, ['a', `-t${type}`, join(dir, 'archives', name), '.'], { cwd: from, stdio: 'ignore' });
      files++;
      bytes += statSync(join(dir, 'archives', name)).size;
    }
  }
  return { files, bytes, categories: Object.fromEntries([...picked].map(([k, v]) => [k, v.length])) };
}

export function findSevenZip() {
  for (const bin of ['7z', '7zz', '7za']) {
    for (const d of (process.env.PATH ?? '').split(':')) {
      if (d && existsSync(join(d, bin))) return join(d, bin);
    }
  }
  return undefined;
}

/** Every regular file under `dir`, sorted (the order every runner scans in). */
export function listFiles(dir) {
  const out = [];
  for (const f of walk(dir, Infinity)) out.push(f.path);
  return out.sort();
}
