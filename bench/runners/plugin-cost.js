// Cost per payload of each analyser plugin, through the public API: one `Stoq` per plugin with
// `alwaysDispatch: [plugin]` and `maxRecursion: 1`, one `Stoq.scan` at a time over every corpus
// file the plugin applies to. So each figure is one whole request — the engine (dispatch, work,
// respond; the "(engine)" row measures it with no plugin) plus the plugin's own work, including
// the hand-over to the worker-thread pool or an isolation thread where the plugin uses one.
// Payloads a plugin extracts are hashed and recorded (MAX_RECURSION), not scanned again, so a
// call is one plugin on one payload. Contents are read into memory first: no file I/O is timed.
//   node bench/runners/plugin-cost.js CORPUS_DIR [--plugins a,b] [--pool-size N]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { percentile } from '../stats.js';

/** Plugin → the corpus folders of its format (null: every file), and whether it streams over all bytes. */
const PLUGINS = {
  '(engine)': { on: null, streaming: false },
  peinfo: { on: ['pe'], streaming: false },
  pecarve: { on: ['pe', 'pe-embedded', 'random'], streaming: true },
  elf: { on: ['elf'], streaming: false },
  lnk: { on: ['lnk'], streaming: false },
  x509: { on: ['x509'], streaming: false },
  strings: { on: null, streaming: true },
  iocextract: { on: null, streaming: true },
  hash_ssdeep: { on: null, streaming: true },
  tlsh: { on: null, streaming: true },
  hash: { on: null, streaming: true },
  mimetype: { on: null, streaming: false },
  yara: { on: null, streaming: true },
  ole: { on: ['doc', 'xls'], streaming: false },
  vba: { on: ['doc', 'xls', 'docx', 'xlsx'], streaming: false },
  ooxml: { on: ['docx', 'xlsx'], streaming: false },
  pdf: { on: ['pdf'], streaming: false },
  rtf: { on: ['rtf'], streaming: false },
  smtp: { on: ['eml'], streaming: false },
  html: { on: ['html'], streaming: false },
  javascript: { on: ['js'], streaming: false },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    plugins: { type: 'string', default: Object.keys(PLUGINS).join(',') },
    'pool-size': { type: 'string' },
  },
});
const { Stoq, PayloadMeta, closeSharedPool } = await import(new URL('../../dist/src/index.js', import.meta.url).href);
const corpus = positionals[0];
if (!corpus || !existsSync(corpus)) throw new Error(`plugin-cost: corpus folder ${corpus ?? '(none)'} does not exist`);
const wanted = values.plugins.split(',').filter(Boolean);
for (const p of wanted) if (!(p in PLUGINS)) throw new Error(`plugin-cost: unknown plugin ${p} (known: ${Object.keys(PLUGINS).join(', ')})`);

const files = [];
for (const category of readdirSync(corpus).sort()) {
  for (const name of readdirSync(join(corpus, category)).sort()) {
    files.push({ category, name, data: readFileSync(join(corpus, category, name)) });
  }
}

// Main-thread CPU in ns from the scheduler's own account of this thread (the main thread's id is
// the process id); process.cpuUsage() counts every thread (pool, isolation threads) as well.
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
const hasSchedstat = existsSync(SCHEDSTAT);
const mainNs = () => {
  const s = readFileSync(SCHEDSTAT, 'latin1');
  return Number(s.slice(0, s.indexOf(' ')));
};
/** What reading schedstat itself adds to a measured interval (median of 200 empty intervals). */
const schedstatCost = (() => {
  if (!hasSchedstat) return 0;
  const d = [];
  for (let i = 0; i < 200; i++) {
    const a = mainNs();
    d.push(mainNs() - a);
  }
  return d.sort((x, y) => x - y)[100];
})();

const gcEntries = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcEntries.push([e.startTime, e.startTime + e.duration]);
});
gcObserver.observe({ entryTypes: ['gc'] });

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const summary = (us) => {
  const sorted = Float64Array.from(us).sort();
  return { mean: mean(us), p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
};

async function measure(plugin) {
  const { on, streaming } = PLUGINS[plugin];
  const mine = on ? files.filter((f) => on.includes(f.category)) : files;
  if (mine.length === 0) return { plugin, skipped: 'no corpus files of its format' };
  const stoq = new Stoq({
    alwaysDispatch: plugin === '(engine)' ? [] : [plugin],
    maxRecursion: 1,
    logLevel: 'silent',
    baseDir: process.env.BENCH_EMPTY_HOME,
    poolSize: values['pool-size'] ? Number(values['pool-size']) : undefined,
  });
  try {
    await stoq.ready();
  } catch (err) {
    return { plugin, skipped: `failed to load: ${err.message}` };
  }
  const scan = (f) => stoq.scan(f.data, { payloadMeta: new PayloadMeta({ extra_data: { filename: f.name } }) });
  // Warm-up, not measured: JIT, lazy loading (rules, WebAssembly, libmagic's text tests on the
  // first text payload), pool threads started by large payloads. The smallest and the largest
  // file of each folder, so every kind of input has been seen once.
  for (const category of new Set(mine.map((f) => f.category))) {
    const bySize = mine.filter((f) => f.category === category).sort((a, b) => a.data.length - b.data.length);
    for (const f of new Set([bySize[0], bySize.at(-1)])) await scan(f);
  }

  const calls = [];
  const errors = [];
  let withResults = 0;
  let extracted = 0;
  for (const f of mine) {
    const c0 = hasSchedstat ? mainNs() : 0;
    const p0 = process.cpuUsage();
    const t0 = performance.now();
    const response = await scan(f);
    const t1 = performance.now();
    const p = process.cpuUsage(p0);
    const c1 = hasSchedstat ? mainNs() : 0;
    calls.push({ f, t0, t1, us: (t1 - t0) * 1000, mainUs: (c1 - c0 - schedstatCost) / 1000, procUs: p.user + p.system });
    if (plugin !== '(engine)' && response.results[0]?.workers[plugin] !== undefined) withResults++;
    extracted += response.results.length - 1;
    for (const e of response.errors) if (e.code !== 'MAX_RECURSION') errors.push(`${f.category}/${f.name}: ${e.error.slice(0, 160)}`);
  }
  await stoq.close();
  await new Promise((resolve) => setImmediate(resolve)); // let the GC observer deliver
  const gcUs = (c) => {
    let sum = 0;
    for (const [s, e] of gcEntries) if (e > c.t0 && s < c.t1) sum += Math.min(e, c.t1) - Math.max(s, c.t0);
    return sum * 1000;
  };
  const bytes = mine.reduce((n, f) => n + f.data.length, 0);
  const wallSeconds = calls.reduce((n, c) => n + c.us, 0) / 1e6;
  const slowest = [...calls].sort((a, b) => b.us - a.us);
  // The slowest 1 % (at least 3 calls): are they the largest payloads, or calls a GC ran into?
  const tail = slowest.slice(0, Math.max(3, Math.ceil(calls.length / 100)));
  const sizes = Float64Array.from(mine.map((f) => f.data.length)).sort();
  return {
    plugin,
    categories: on ?? 'all',
    streaming,
    files: mine.length,
    bytes,
    errors: errors.length,
    errorSamples: errors.slice(0, 3),
    withResults: plugin === '(engine)' ? undefined : withResults,
    extracted,
    wallUs: summary(calls.map((c) => c.us)),
    mainCpuUs: hasSchedstat ? summary(calls.map((c) => c.mainUs)) : undefined,
    processCpuUs: summary(calls.map((c) => c.procUs)),
    mbPerSec: bytes / 1e6 / wallSeconds,
    gcUsTotal: calls.reduce((n, c) => n + gcUs(c), 0),
    tail: {
      calls: tail.length,
      withGc: tail.filter((c) => gcUs(c) > 0).length,
      // Wall time at least twice the main thread's CPU: waiting on a pool or isolation thread, or preempted.
      offCpu: hasSchedstat ? tail.filter((c) => c.mainUs * 2 <= c.us).length : undefined,
      gcUs: tail.reduce((n, c) => n + gcUs(c), 0),
      meanBytes: mean(tail.map((c) => c.f.data.length)),
      corpusMedianBytes: percentile(sizes, 50),
      corpusP99Bytes: percentile(sizes, 99),
    },
    slowest: slowest.slice(0, 3).map((c) => ({ file: `${c.f.category}/${c.f.name}`, bytes: c.f.data.length, us: c.us, gcUs: gcUs(c), mainCpuUs: c.mainUs })),
  };
}

const results = [];
for (const plugin of wanted) {
  const started = performance.now();
  const r = await measure(plugin);
  r.seconds = (performance.now() - started) / 1000;
  results.push(r);
  process.stderr.write(
    `  ${plugin}: ${r.skipped ?? `${r.files} files, mean ${r.wallUs.mean.toFixed(0)} µs, p99 ${r.wallUs.p99.toFixed(0)} µs`} (${r.seconds.toFixed(1)} s)\n`,
  );
}
gcObserver.disconnect();
await closeSharedPool();
console.log(
  JSON.stringify({
    method:
      'Stoq.scan with alwaysDispatch [plugin], maxRecursion 1, one scan at a time, contents in memory; wall time of the whole scan (engine included), main-thread CPU from /proc schedstat, process CPU (all threads) from getrusage',
    mainCpuSource: hasSchedstat ? 'schedstat' : 'unavailable',
    files: files.length,
    bytes: files.reduce((n, f) => n + f.data.length, 0),
    plugins: results,
  }),
);
