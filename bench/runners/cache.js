// The result cache: the mixed corpus scanned twice by one Stoq (cold, then warm), and a corpus in
// which every file appears twice (50 % duplicates) with and without the cache. Prints JSON.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { rng } from '../prng.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    workers: { type: 'string', default: 'hash,entropy,mimetype' },
    dispatchers: { type: 'string', default: 'yara' },
    concurrency: { type: 'string', default: String(4 * availableParallelism()) },
  },
});
const { Stoq, PayloadMeta } = await import(new URL('../../dist/src/index.js', import.meta.url).href);
const files = readFileSync(positionals[0], 'utf8').split('\n').filter(Boolean);
const list = (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function makeStoq(cache) {
  return new Stoq({
    alwaysDispatch: list(values.workers),
    dispatchers: list(values.dispatchers),
    logLevel: 'silent',
    baseDir: process.env.BENCH_EMPTY_HOME,
    resultCache: cache ? { maxBytes: 512 * 1024 * 1024 } : false,
  });
}

/** Scan `paths` with `stoq`, several at once; files per second and the cache hits seen. */
async function pass(stoq, paths) {
  let next = 0;
  let cached = 0;
  let answers = 0;
  const started = performance.now();
  async function lane() {
    while (next < paths.length) {
      const path = paths[next++];
      const response = await stoq.scan(readFileSync(path), { payloadMeta: new PayloadMeta({ extra_data: { filename: path } }) });
      for (const r of response.results) {
        cached += r.cached_workers.length;
        answers += r.plugins_run.workers.length;
      }
      JSON.stringify(response);
    }
  }
  await Promise.all(Array.from({ length: Number(values.concurrency) }, lane));
  const seconds = (performance.now() - started) / 1000;
  return { files: paths.length, seconds, filesPerSec: paths.length / seconds, cachedShare: answers ? cached / answers : 0 };
}

const cachedStoq = makeStoq(true);
await cachedStoq.ready();
const cold = await pass(cachedStoq, files);
const warm = await pass(cachedStoq, files);
await cachedStoq.close();

// Every file twice, in a seeded shuffle: half the scans are of content seen before.
const random = rng(7);
const doubled = [...files, ...files];
for (let i = doubled.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [doubled[i], doubled[j]] = [doubled[j], doubled[i]];
}
const plain = makeStoq(false);
await plain.ready();
const duplicatesNoCache = await pass(plain, doubled);
await plain.close();
const withCache = makeStoq(true);
await withCache.ready();
const duplicatesCache = await pass(withCache, doubled);
await withCache.close();

console.log(JSON.stringify({ cold, warm, duplicatesNoCache, duplicatesCache }));
