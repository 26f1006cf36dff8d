// The library: Stoq.scan over the files, several at once, each response serialised to JSON once.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { latencySummary } from '../stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    workers: { type: 'string', default: 'hash' },
    start: { type: 'string', default: '' },
    concurrency: { type: 'string', default: String(4 * availableParallelism()) },
    'plugin-opts': { type: 'string', default: '{}' },
    'pool-size': { type: 'string' },
  },
});
const { Stoq, PayloadMeta } = await import(new URL('../../dist/src/index.js', import.meta.url).href);
const files = readFileSync(positionals[0], 'utf8').split('\n').filter(Boolean);
const list = (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const stoq = new Stoq({
  alwaysDispatch: list(values.workers),
  logLevel: 'silent',
  pluginOpts: JSON.parse(values['plugin-opts']),
  poolSize: values['pool-size'] ? Number(values['pool-size']) : undefined,
  baseDir: process.env.BENCH_EMPTY_HOME,
});
await stoq.ready();
const start = list(values.start);
const latencies = new Float64Array(files.length);
let next = 0;
let bytes = 0;
let out = 0;
let errors = 0;
const started = performance.now();
const cpu0 = process.cpuUsage();
async function lane() {
  while (next < files.length) {
    const i = next++;
    const t0 = performance.now();
    const content = readFileSync(files[i]);
    bytes += content.length;
    const response = await stoq.scan(content, { payloadMeta: new PayloadMeta({ extra_data: { filename: files[i] } }), addStartDispatch: start });
    errors += response.errors.length;
    out += JSON.stringify(response).length + 1;
    latencies[i] = performance.now() - t0;
  }
}
await Promise.all(Array.from({ length: Number(values.concurrency) }, lane));
const seconds = (performance.now() - started) / 1000;
await stoq.close();
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    files: files.length,
    bytes,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    outputBytes: out,
    errors,
    latency: latencySummary(latencies),
    maxRssKiB: process.resourceUsage().maxRSS,
  }),
);
