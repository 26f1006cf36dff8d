// The raw single-core baseline: read each file with readFileSync, md5 + sha1 + sha256, and
// serialise a result to JSON. No engine, no concurrency: what one core does with bare Node.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { latencySummary } from '../stats.js';

const files = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const latencies = new Float64Array(files.length);
let bytes = 0;
let out = 0;
const started = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < files.length; i++) {
  const t0 = performance.now();
  const content = readFileSync(files[i]);
  bytes += content.length;
  const result = {
    filename: files[i],
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    md5: createHash('md5').update(content).digest('hex'),
    sha1: createHash('sha1').update(content).digest('hex'),
  };
  out += JSON.stringify(result).length + 1;
  latencies[i] = performance.now() - t0;
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    files: files.length,
    bytes,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    outputBytes: out,
    latency: latencySummary(latencies),
    maxRssKiB: process.resourceUsage().maxRSS,
  }),
);
