#!/usr/bin/env node
// `npm run bench`: generates the corpora (seeded, reused between runs), runs the raw baseline,
// the library, the CLI and provider mode on each, prints one table with ratios to the baseline,
// checks the targets and writes a JSON report to bench/reports/. Never part of `npm test`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureCorpus, findSevenZip, listFiles } from './corpus.js';
import { histogramQuantiles } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STOQ = join(ROOT, 'bin', 'stoq.js');
const { values: opts } = parseArgs({
  options: {
    only: { type: 'string', default: 'overhead,small,large,small100k,nested,mixed,plugins,cache,postgres' },
    modes: { type: 'string', default: 'baseline,library,cli,provider' },
    corpus: { type: 'string', default: join(ROOT, 'bench', '.corpus') },
    profile: { type: 'boolean', default: false },
    'pool-size': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(`usage: npm run bench -- [--only overhead,small,large,small100k,nested,mixed,plugins,cache,postgres] [--modes baseline,library,cli,provider]
                       [--corpus DIR] [--profile] [--pool-size N]
--profile writes V8 CPU profiles (--cpu-prof) of every library/CLI/provider run to bench/reports/profiles/.
plugins: cost per payload of each analyser plugin on the analysers corpus (bench/runners/plugin-cost.js).
cache: the mixed corpus cold then warm with the result cache, and every file twice with and without it (bench/runners/cache.js).
postgres: responses/s the postgres connector writes (small and mixed corpus, batch sizes 1-200) and hash lookups over 1,000,000 payloads (bench/runners/postgres.js).`);
  process.exit(0);
}
const only = new Set(opts.only.split(','));
const modes = new Set(opts.modes.split(','));
const reportsDir = join(ROOT, 'bench', 'reports');
const profileDir = join(reportsDir, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
const emptyHome = mkdtempSync(join(tmpdir(), 'stoq-bench-home-'));
const work = mkdtempSync(join(tmpdir(), 'stoq-bench-'));
const log = (m) => process.stderr.write(`${m}\n`);
const hasPlugin = (name) => existsSync(join(ROOT, 'dist', 'plugins', name, `${name}.stoq.yaml`));
const cores = availableParallelism();
const poolSize = opts['pool-size'] ? Number(opts['pool-size']) : cores;
const baseEnv = { ...process.env, HOME: emptyHome, STOQ_HOME: emptyHome, BENCH_EMPTY_HOME: emptyHome };
for (const k of Object.keys(baseEnv)) if (k.startsWith('STOQ_') && k !== 'STOQ_HOME') delete baseEnv[k];

if (!existsSync(join(ROOT, 'dist', 'src', 'index.js'))) {
  log('building (dist/ is missing) ...');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  kernel: release(),
  poolSize,
  load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
};
log(`machine: ${machine.cpu}, ${cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; load ${machine.load}`);

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const nodeArgs = (name) => (opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : []);

/** A runner script that prints its result as JSON on its last line. */
function runScript(script, args, name) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs(name), join(ROOT, 'bench', 'runners', script), ...args], {
      cwd: ROOT,
      env: baseEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

/**
 * Run the CLI: count NDJSON lines as they arrive, scrape /metrics while it runs (for latency
 * quantiles), peak RSS from GNU time when present. Throughput uses wall time minus the startup
 * measured separately (process start, module and plugin loading), so it shows the scan itself.
 */
async function runCli(args, name, { startup = 0, metrics = true, capture = false, perLine = true } = {}) {
  const port = metrics ? await freePort() : undefined;
  const rssFile = join(work, `${name}.rss`);
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const argv = [...nodeArgs(name), STOQ, ...args, ...(port ? ['--metrics-port', String(port)] : []), '--log-level', 'error'];
  const cmd = timeBin ? [timeBin, ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...argv]] : [process.execPath, argv];
  const started = performance.now();
  const child = spawn(cmd[0], cmd[1], { cwd: ROOT, env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  let outputBytes = 0;
  let firstLineAt;
  let lastLineAt;
  const chunks = [];
  let stderr = '';
  let lastScrape;
  let peakPolled = 0;
  child.stdout.on('data', (d) => {
    if (capture) chunks.push(d);
    outputBytes += d.length;
    for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) {
      lines++;
      lastLineAt = performance.now();
      firstLineAt ??= lastLineAt;
    }
  });
  child.stderr.on('data', (d) => (stderr += d));
  const poll = setInterval(async () => {
    if (port) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        if (res.ok) lastScrape = await res.text();
      } catch {
        // not listening yet, or already gone
      }
    }
    if (!timeBin) peakPolled = Math.max(peakPolled, vmHwm(child.pid));
  }, 250);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  const wall = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`stoq ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`);
  const timed = timeBin ? readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number) : [peakPolled];
  const maxRssKiB = timed[0];
  const cpuSeconds = timed.length === 3 ? timed[1] + timed[2] : undefined;
  const latency = lastScrape ? histogramQuantiles(lastScrape, 'stoq_request_duration_seconds') : undefined;
  // Many results: steady-state rate between the first and the last line (startup, thread start
  // and plugin loading excluded, whatever they cost). Few: wall time minus the measured startup.
  // (`perLine: false` when the output is one indented response: its lines are not results.)
  const steady = perLine && lines >= 100 ? ((lastLineAt - firstLineAt) / 1000) * (lines / (lines - 1)) : undefined;
  return {
    lines,
    outputBytes,
    wall,
    seconds: steady ?? Math.max(wall - startup, 1e-3),
    timing: steady ? 'first-to-last result' : 'wall - startup',
    latency,
    maxRssKiB,
    cpuSeconds,
    stdout: capture ? Buffer.concat(chunks).toString('utf8') : undefined,
  };
}

function vmHwm(pid) {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const rows = [];
const checks = [];
const record = (corpus, mode, info, r, extra = {}) => {
  const files = r.files ?? r.lines ?? info.files;
  const bytes = r.bytes ?? info.bytes;
  const row = {
    corpus,
    mode,
    files,
    mb: bytes / 1e6,
    seconds: r.seconds,
    wall: r.wall,
    filesPerSec: files / r.seconds,
    mbPerSec: bytes / 1e6 / r.seconds,
    latency: r.latency,
    peakRssMB: r.maxRssKiB ? (r.maxRssKiB * 1024) / 1e6 : undefined,
    // CPU time of all threads per file: what the run costs, whatever else the machine was doing.
    // (CLI/provider: whole process including startup.)
    cpuUsPerFile: r.cpuSeconds !== undefined ? (r.cpuSeconds * 1e6) / files : undefined,
    timing: r.timing,
    ...extra,
  };
  rows.push(row);
  log(
    `  ${mode.padEnd(9)} ${row.filesPerSec.toFixed(0).padStart(7)} files/s ${row.mbPerSec.toFixed(1).padStart(7)} MB/s  peak RSS ${row.peakRssMB?.toFixed(0) ?? '?'} MB`,
  );
  return row;
};

async function startupOf(args) {
  const empty = mkdtempSync(join(work, 'empty-'));
  const times = [];
  for (let i = 0; i < 3; i++) times.push((await runCli(args(empty), `startup-${i}`, { metrics: false })).wall);
  return times.sort((a, b) => a - b)[1];
}

/** baseline, library, CLI and provider mode over one folder of files, hashing each file. */
async function hashModes(corpus, info, { baseline = true, modes: only = ['library', 'cli', 'provider'] } = {}) {
  const list = join(work, `${corpus}.list`);
  writeFileSync(list, `${listFiles(info.dir).join('\n')}\n`);
  let base;
  if (baseline && modes.has('baseline')) base = record(corpus, 'baseline', info, await runScript('baseline.js', [list], `${corpus}-baseline`));
  const ratio = (row) => (base ? row.filesPerSec / base.filesPerSec : undefined);
  const out = {};
  if (modes.has('library') && only.includes('library')) {
    const r = await runScript('library.js', [list, '--workers', 'hash', ...(opts['pool-size'] ? ['--pool-size', opts['pool-size']] : [])], `${corpus}-library`);
    out.library = record(corpus, 'library', info, r);
    out.library.ratio = ratio(out.library);
  }
  const pool = opts['pool-size'] ? ['--pool-size', opts['pool-size']] : [];
  if (modes.has('cli') && only.includes('cli')) {
    const startup = await startupOf((empty) => ['scan', empty, '-a', 'hash', ...pool]);
    const r = await runCli(['scan', info.dir, '-a', 'hash', ...pool], `${corpus}-cli`, { startup });
    if (r.lines !== info.files) throw new Error(`CLI printed ${r.lines} results for ${info.files} files`);
    out.cli = record(corpus, 'cli', info, r, { startup });
    out.cli.ratio = ratio(out.cli);
  }
  if (modes.has('provider') && only.includes('provider') && hasPlugin('filedir') && hasPlugin('stdout')) {
    const args = (dir) => [
      'run',
      '-P',
      'filedir',
      '-C',
      'stdout',
      '-a',
      'hash',
      '--plugin-opts',
      `filedir:source_dir=${dir}`,
      'filedir:recursive=true',
      ...pool,
    ];
    const startup = await startupOf(args);
    const r = await runCli(args(info.dir), `${corpus}-provider`, { startup });
    if (r.lines !== info.files) throw new Error(`provider mode saved ${r.lines} results for ${info.files} files`);
    out.provider = record(corpus, 'provider', info, r, { startup });
    out.provider.ratio = ratio(out.provider);
  }
  return { base, ...out };
}

const check = (name, ok, detail) => {
  checks.push({ name, ok, detail });
};

const started = Date.now();
const results = {};

if (only.has('overhead')) {
  log('\n== engine overhead: CPU per Stoq.scan of a 1-byte payload, 16 in flight ==');
  const r = (results.overhead = await runScript('scan-overhead.js', [], 'overhead'));
  log(
    `  hash worker: ${r.hash.bestUsPerScan.toFixed(1)} µs best, ${r.hash.medianUsPerScan.toFixed(1)} µs median; no worker: ${r.none.bestUsPerScan.toFixed(1)} µs best`,
  );
  check(
    'engine overhead, Stoq.scan with the hash worker on a tiny payload ≤ 20 µs CPU',
    r.hash.bestUsPerScan <= 20,
    `${r.hash.bestUsPerScan.toFixed(1)} µs (best of 7 rounds; median ${r.hash.medianUsPerScan.toFixed(1)} µs)`,
  );
}

if (only.has('small')) {
  log('\n== small files: 5,000 × 1–64 KiB, hash worker ==');
  const info = ensureCorpus(opts.corpus, 'small', log);
  const r = (results.small = await hashModes('small', info));
  for (const m of ['library', 'cli']) {
    if (r[m] && r.base)
      check(
        `small files, ${m} ≥ 1.0× raw single-core baseline`,
        r[m].ratio >= 1.0,
        `${r[m].ratio.toFixed(2)}× (${r[m].filesPerSec.toFixed(0)} vs ${r.base.filesPerSec.toFixed(0)} files/s)`,
      );
  }
}

if (only.has('large')) {
  log('\n== large files: 8 × 128 MiB, hash worker ==');
  const info = ensureCorpus(opts.corpus, 'large', log);
  const bound = await runScript('hash-bound.js', [], 'hash-bound');
  log(`  single-core hashing bound (md5+sha1+sha256): ${bound.mbPerSec.toFixed(0)} MB/s`);
  const inUse = Math.min(poolSize, cores);
  const r = (results.large = await hashModes('large', info));
  results.large.hashBoundMBs = bound.mbPerSec;
  for (const m of ['library', 'cli']) {
    if (!r[m]) continue;
    const target = 0.9 * bound.mbPerSec * inUse;
    r[m].boundRatio = r[m].mbPerSec / (bound.mbPerSec * inUse);
    check(
      `large files, ${m} ≥ 0.9× hashing bound × ${inUse} cores`,
      r[m].mbPerSec >= target,
      `${r[m].mbPerSec.toFixed(0)} MB/s vs target ${target.toFixed(0)} MB/s (${r[m].boundRatio.toFixed(2)}× of ${inUse} × ${bound.mbPerSec.toFixed(0)})`,
    );
  }
}

if (only.has('small100k')) {
  log('\n== memory: 100,000 × 1–64 KiB, hash worker ==');
  const info = ensureCorpus(opts.corpus, 'small100k', log);
  // The library and the CLI: the provider run adds minutes on this corpus and nothing new about memory.
  const r = (results.small100k = await hashModes('small100k', info, { baseline: false, modes: ['library', 'cli'] }));
  for (const m of ['library', 'cli', 'provider']) {
    if (r[m]) check(`100,000 files, ${m} peak RSS < 300 MB`, r[m].peakRssMB < 300, `${r[m].peakRssMB.toFixed(0)} MB`);
  }
}

if (only.has('nested')) {
  log('\n== nested archives: zip of zips, depth 5 ==');
  const info = ensureCorpus(opts.corpus, 'nested', log);
  const sevenZip = findSevenZip();
  results.nested = {};
  if (sevenZip) {
    const t = sevenZipRecursive(sevenZip, info.top);
    results.nested.sevenZip = t;
    log(`  7-Zip recursive extraction (${sevenZip}): ${t.seconds.toFixed(2)} s, ${t.archives} archives, ${t.files} files`);
  } else log('  7-Zip is not installed: no reference time');
  if (hasPlugin('decompress') && hasPlugin('yara')) {
    const args = (path) => ['scan', path, '-a', 'hash', '-R', 'yara'];
    const empty = join(work, 'empty.bin');
    writeFileSync(empty, 'x');
    const startup = await (async () => {
      const times = [];
      for (let i = 0; i < 3; i++) times.push((await runCli(args(empty), `nested-startup-${i}`, { metrics: false })).wall);
      return times.sort((a, b) => a - b)[1];
    })();
    const r = await runCli(args(info.top), 'nested-cli', { startup, metrics: false, capture: true, perLine: false });
    const response = JSON.parse(r.stdout);
    const zips = response.results.filter((x) => String(x.payload_meta.extra_data.filename ?? '').endsWith('.zip')).length;
    results.nested.stoq = {
      seconds: r.seconds,
      wall: r.wall,
      startup,
      maxRssKiB: r.maxRssKiB,
      payloads: response.results.length,
      zips,
      errors: response.errors.length,
    };
    log(
      `  stoq scan -a hash -R yara (decompress by dispatch): ${r.seconds.toFixed(2)} s (+ ${startup.toFixed(2)} s startup), ${response.results.length} payloads, ${zips} zips, ${response.errors.length} errors`,
    );
    if (results.nested.sevenZip) {
      const ratio = r.seconds / results.nested.sevenZip.seconds;
      results.nested.ratio = ratio;
      check(
        'nested archives ≤ 1.5× the time of 7z x of the same tree',
        ratio <= 1.5,
        `${ratio.toFixed(2)}× (${r.seconds.toFixed(2)} s vs ${results.nested.sevenZip.seconds.toFixed(2)} s)`,
      );
    }
  } else log('  decompress or yara plugin missing: skipped');
}

if (only.has('mixed')) {
  log('\n== mixed real formats ==');
  const info = ensureCorpus(opts.corpus, 'mixed', log);
  const workers = ['hash', 'entropy', 'mimetype'].filter(hasPlugin);
  const extra = hasPlugin('yara') ? ['-R', 'yara'] : [];
  const startup = await startupOf((empty) => ['scan', empty, '-a', ...workers, ...extra]);
  const r = await runCli(['scan', info.dir, '-a', ...workers, ...extra], 'mixed-cli', { startup });
  results.mixed = {
    categories: info.categories,
    workers,
    dispatchers: extra.slice(1),
    cli: record('mixed', `cli`, info, { ...r, files: info.files }, { startup }),
  };
}

if (only.has('plugins')) {
  log('\n== analysers: cost per payload, one Stoq.scan at a time ==');
  const info = ensureCorpus(opts.corpus, 'analysers', log);
  for (const note of info.notes) log(`  note: ${note}`);
  const pool = opts['pool-size'] ? ['--pool-size', opts['pool-size']] : [];
  const r = await runScript('plugin-cost.js', [info.dir, ...pool], 'plugins');
  results.plugins = { corpus: { files: info.files, bytes: info.bytes, categories: info.categories, notes: info.notes }, ...r };
}

if (only.has('cache')) {
  log('\n== result cache: mixed corpus cold and warm; 50 % duplicates with and without ==');
  const info = ensureCorpus(opts.corpus, 'mixed', log);
  const list = join(work, 'cache-files.txt');
  writeFileSync(list, `${listFiles(info.dir).join('\n')}\n`);
  const r = (results.cache = await runScript('cache.js', [list], 'cache'));
  const row = (name, x) =>
    log(`  ${name.padEnd(34)} ${x.files} files  ${x.filesPerSec.toFixed(0).padStart(6)} files/s  ${(100 * x.cachedShare).toFixed(0)} % of answers cached`);
  row('mixed, cold cache', r.cold);
  row('mixed, warm cache (second pass)', r.warm);
  row('50 % duplicates, no cache', r.duplicatesNoCache);
  row('50 % duplicates, cache', r.duplicatesCache);
  log(
    `  warm/cold ${(r.warm.filesPerSec / r.cold.filesPerSec).toFixed(2)}x; duplicates cache/no cache ${(r.duplicatesCache.filesPerSec / r.duplicatesNoCache.filesPerSec).toFixed(2)}x`,
  );
}

if (only.has('postgres')) {
  log('\n== postgres connector: responses/s by batch size; hash lookups over 1,000,000 payloads ==');
  for (const name of ['small', 'mixed']) {
    const info = ensureCorpus(opts.corpus, name, log);
    const list = join(work, `postgres-${name}.txt`);
    // 2,000 files at most: what is measured is writing, and the responses are made first.
    writeFileSync(list, `${listFiles(info.dir).slice(0, 2000).join('\n')}\n`);
    const r = await runScript('postgres.js', [list], `postgres-${name}`);
    (results.postgres ??= {})[name] = r;
    for (const b of r.batches) {
      log(
        `  ${name.padEnd(6)} batch_size ${String(b.batch_size).padStart(3)}: ${b.responses} responses (${b.payloads} payloads) ${b.responsesPerSec.toFixed(0).padStart(6)} responses/s`,
      );
    }
    log(
      `  hash lookup over ${r.lookup.payloads} payloads (loaded in ${r.lookup.loadSeconds.toFixed(1)} s): p50 ${r.lookup.p50ms.toFixed(2)} ms, p99 ${r.lookup.p99ms.toFixed(2)} ms`,
    );
  }
}

function sevenZipRecursive(bin, top) {
  const dir = mkdtempSync(join(work, '7z-'));
  const started = performance.now();
  let archives = 0;
  let queue = [[top, join(dir, 'x')]];
  while (queue.length > 0) {
    const nextQueue = [];
    for (const [archive, into] of queue) {
      execFileSync(bin, ['x', '-y', '-bd', `-o${into}`, archive], { stdio: 'ignore' });
      archives++;
      for (const f of listFiles(into)) if (f.endsWith('.zip') && !existsSync(`${f}.d`)) nextQueue.push([f, `${f}.d`]);
    }
    queue = nextQueue;
  }
  const seconds = (performance.now() - started) / 1000;
  const files = listFiles(dir).length;
  rmSync(dir, { recursive: true, force: true });
  return { seconds, archives, files };
}

// ---------------------------------------------------------------------------------- report
const fmt = (v, d = 0) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));
const header = ['corpus', 'mode', 'files', 'MB', 'sec', 'files/s', 'MB/s', 'p50 ms', 'p95 ms', 'p99 ms', 'peak RSS MB', 'CPU µs/file', '× baseline'];
const table = rows.map((r) => [
  r.corpus,
  r.mode,
  String(r.files),
  fmt(r.mb, 0),
  fmt(r.seconds, 2),
  fmt(r.filesPerSec),
  fmt(r.mbPerSec, 1),
  fmt(r.latency?.p50, 2) + (r.latency?.source === 'histogram' ? '*' : ''),
  fmt(r.latency?.p95, 2) + (r.latency?.source === 'histogram' ? '*' : ''),
  fmt(r.latency?.p99, 2) + (r.latency?.source === 'histogram' ? '*' : ''),
  fmt(r.peakRssMB),
  fmt(r.cpuUsPerFile),
  r.mode === 'baseline' ? '1.00' : fmt(r.ratio, 2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
machine.loadAfter = loadAfter;
console.log(
  `\nrxstoq benchmark — ${machine.cpu}, ${cores} cores, Node ${machine.node}, pool ${poolSize} threads; load average ${machine.load} before, ${loadAfter} after`,
);
if (rows.length > 0) {
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
  console.log(
    '* latency from the stoq_request_duration_seconds histogram. CLI/provider seconds: from the first to the last result line when there are 100 or more (startup excluded), else wall time minus the startup measured on an empty input. CPU µs/file: all threads, whole process (CLI/provider include startup).',
  );
}
if (results.nested?.stoq) {
  console.log(
    `nested: stoq ${fmt(results.nested.stoq.seconds, 2)} s vs 7-Zip recursive ${fmt(results.nested.sevenZip?.seconds, 2)} s → ${fmt(results.nested.ratio, 2)}×`,
  );
}
if (results.plugins) printPluginCost(results.plugins);
if (results.large?.hashBoundMBs) console.log(`large: single-core hashing bound ${fmt(results.large.hashBoundMBs)} MB/s`);
console.log('\ntargets:');
for (const c of checks) console.log(`  ${c.ok ? 'MET   ' : 'MISSED'}  ${c.name}: ${c.detail}`);
const totalSeconds = (Date.now() - started) / 1000;
console.log(`\nbench took ${totalSeconds.toFixed(0)} s`);

/** The plugins section: one row per plugin, then the plugins whose p99 is far above their mean, and why. */
function printPluginCost(r) {
  const cats = Object.entries(r.corpus.categories)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(`\nanalysers: cost per payload on ${r.corpus.files} files, ${fmt(r.corpus.bytes / 1e6, 1)} MB (${cats})`);
  for (const note of r.corpus.notes) console.log(`note: ${note}`);
  const head = ['plugin', 'on', 'files', 'MB', 'mean µs', 'p50 µs', 'p95 µs', 'p99 µs', 'max µs', 'main CPU µs', 'all CPU µs', 'MB/s', 'results', 'errors'];
  const body = r.plugins.map((p) =>
    p.skipped
      ? [p.plugin, p.skipped, '', '', '', '', '', '', '', '', '', '', '', '']
      : [
          p.plugin,
          Array.isArray(p.categories) ? p.categories.join('+') : p.categories,
          String(p.files),
          fmt(p.bytes / 1e6, 1),
          fmt(p.wallUs.mean),
          fmt(p.wallUs.p50),
          fmt(p.wallUs.p95),
          fmt(p.wallUs.p99),
          fmt(p.wallUs.max),
          fmt(p.mainCpuUs?.mean),
          fmt(p.processCpuUs.mean),
          p.streaming ? fmt(p.mbPerSec, 1) : '-',
          p.withResults === undefined ? '-' : String(p.withResults),
          String(p.errors),
        ],
  );
  const w = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const fmtRow = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  console.log(fmtRow(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const row of body) console.log(fmtRow(row));
  console.log(`method: ${r.method}. MB/s: bytes / summed wall time, for the plugins that read every byte. results: calls that returned a result.`);
  for (const p of r.plugins) {
    if (p.skipped || p.wallUs.p99 < 3 * p.wallUs.mean) continue;
    const t = p.tail;
    // A first guess at the cause: the tail's payloads are much larger than the corpus's, GC ran
    // into them, or the main thread was mostly not running (a pool/isolation thread, or preempted).
    const why =
      [
        t.meanBytes >= 4 * t.corpusMedianBytes && 'large payloads',
        t.withGc * 2 >= t.calls && 'GC pauses',
        t.offCpu * 2 >= t.calls && 'main thread off the CPU (pool/isolation thread or preempted)',
      ]
        .filter(Boolean)
        .join(' + ') || 'no cause found';
    console.log(
      `  p99 ${fmt(p.wallUs.p99 / p.wallUs.mean, 1)}× mean: ${p.plugin} (${why}) — slowest ${t.calls} calls${p.files < 100 ? ' (under 100 files: p99 is the slowest)' : ''}: mean ${fmt(t.meanBytes / 1024)} KiB (corpus median ${fmt(t.corpusMedianBytes / 1024)} KiB), ${t.withGc} overlapped a GC (${fmt(t.gcUs / 1000, 1)} ms), ${t.offCpu ?? '?'} mostly off the CPU; slowest ${p.slowest[0].file} ${fmt(p.slowest[0].bytes / 1024)} KiB ${fmt(p.slowest[0].us)} µs`,
    );
  }
  for (const p of r.plugins) if (p.errors) console.log(`  ${p.plugin}: ${p.errors} errors, e.g. ${p.errorSamples[0]}`);
}

mkdirSync(reportsDir, { recursive: true });
const report = { date: new Date().toISOString(), machine, totalSeconds, rows, results, checks };
const file = join(reportsDir, `bench-${report.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(reportsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`report: ${file}${opts.profile ? `\nprofiles: ${profileDir}` : ''}`);
rmSync(work, { recursive: true, force: true });
rmSync(emptyHome, { recursive: true, force: true });
