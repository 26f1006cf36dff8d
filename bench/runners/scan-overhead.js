// Engine overhead: CPU time per `Stoq.scan` of a 1-byte payload, 16 scans in flight, with the hash
// worker and with no worker. Tiny payloads make the plugins' own work negligible, so what is left
// is the pipeline (dispatch, work, respond, connectors) on the main thread; hash runs inline under
// 256 KiB, so the pool's threads stay idle. Best of --rounds rounds of --scans scans each.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    scans: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '7' },
    lanes: { type: 'string', default: '16' },
  },
});
const { Stoq } = await import(new URL('../../dist/src/index.js', import.meta.url).href);
const scans = Number(values.scans);
const lanes = Number(values.lanes);

async function measure(stoq) {
  let next = 0;
  const lane = async () => {
    while (next++ < scans) await stoq.scan('x');
  };
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: lanes }, lane));
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / scans;
}

const result = {};
for (const [name, workers] of [
  ['hash', ['hash']],
  ['none', []],
]) {
  const stoq = new Stoq({ alwaysDispatch: workers, logLevel: 'silent', baseDir: process.env.BENCH_EMPTY_HOME });
  await stoq.ready();
  await measure(stoq); // warm-up: JIT and plugin loading
  const rounds = [];
  for (let i = 0; i < Number(values.rounds); i++) rounds.push(await measure(stoq));
  await stoq.close();
  result[name] = { bestUsPerScan: Math.min(...rounds), medianUsPerScan: rounds.sort((a, b) => a - b)[rounds.length >> 1] };
}
console.log(JSON.stringify(result));
