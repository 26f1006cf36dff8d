#!/usr/bin/env node
// Queue throughput: K `stoq run -P redis -C redis -a hash` processes (the built CLI, real child
// processes) consume N inline tasks from a Redis stream. The processes first work through a warm-up
// batch (so start-up and JIT compilation are not counted), then N tasks are enqueued and timed from
// the first to the last of their results (Redis stamps stream ids with its own clock in ms, so there
// is no polling error). Also reports the consumers' CPU time per task, which, unlike tasks/s, does
// not depend on what else the machine is doing. Needs a Redis: $REDIS_URL or 127.0.0.1:6379.
// Never part of `npm test`.
//
//   npm run build && node bench/queue-throughput.js [--tasks 5000] [--warmup 1000] [--size 1024]
//                                                   [--processes 1,2] [--provider-consumers 2,8] [--runs 3]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STOQ = join(ROOT, 'bin', 'stoq.js');
const { encodeEntry } = await import(join(ROOT, 'dist', 'plugins', 'redis', 'entry.js'));
const { PayloadMeta } = await import(join(ROOT, 'dist', 'src', 'index.js'));

const { values: opts } = parseArgs({
  options: {
    tasks: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '1000' },
    size: { type: 'string', default: '1024' },
    processes: { type: 'string', default: '1,2' },
    'provider-consumers': { type: 'string', default: '2,8' },
    runs: { type: 'string', default: '3' },
  },
});
const TASKS = Number(opts.tasks);
const WARMUP = Number(opts.warmup);
const SIZE = Number(opts.size);
const RUNS = Number(opts.runs);
const list = (s) => s.split(',').map(Number);
const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const redis = new Redis(url);
const log = (m) => process.stderr.write(`${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const idMs = (id) => Number(id.split('-')[0]);
const TICK_MS = 10; // USER_HZ is 100 on Linux
/** CPU time (user + system, ms) a process has used so far. */
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
};

/** CPU time (ms) the Redis server has used so far (shared with its other clients, if any). */
async function redisCpuMs() {
  const info = await redis.info('cpu');
  const get = (k) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
}

async function enqueue(stream, count) {
  for (let done = 0; done < count; ) {
    const batch = redis.pipeline();
    for (let i = 0; i < 500 && done < count; i++, done++) {
      batch.xadd(stream, '*', ...encodeEntry({ content: randomBytes(SIZE) }, new PayloadMeta({ extra_data: { filename: `t${done}` } })));
    }
    await batch.exec();
  }
}

async function once(processes, providerConsumers) {
  const prefix = `stoqbench:${randomBytes(4).toString('hex')}`;
  const names = { stream: `${prefix}:tasks`, group: `${prefix}:group`, results_stream: `${prefix}:results`, dead_letter_stream: `${prefix}:dead` };
  await enqueue(names.stream, WARMUP);
  const home = mkdtempSync(join(tmpdir(), 'stoq-qbench-'));
  const config = join(home, 'stoq.yaml');
  writeFileSync(config, `core:\n  provider_consumers: ${providerConsumers}\n`);
  const pluginOpts = Object.entries({ ...names, redis_url: url, results_maxlen: 0 }).map(([k, v]) => `redis:${k}=${v}`);
  const started = Date.now();
  const children = Array.from({ length: processes }, () =>
    spawn(
      process.execPath,
      [STOQ, 'run', '--config-file', config, '-P', 'redis', '-C', 'redis', '-a', 'hash', '--log-level', 'warn', '--plugin-opts', ...pluginOpts],
      {
        env: { ...process.env, HOME: home, STOQ_HOME: home },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    ),
  );
  const waitFor = async (n) => {
    let len;
    while ((len = await redis.xlen(names.results_stream)) < n) {
      if (children.some((c) => c.exitCode !== null)) throw new Error('a consumer exited early');
      await sleep(10);
    }
    return len;
  };
  try {
    await waitFor(WARMUP);
    const cpuBefore = children.reduce((t, c) => t + cpuMs(c.pid), 0);
    const redisBefore = await redisCpuMs();
    await enqueue(names.stream, TASKS);
    await waitFor(WARMUP + TASKS);
    const cpuPerTask = (children.reduce((t, c) => t + cpuMs(c.pid), 0) - cpuBefore) / TASKS;
    const redisPerTask = ((await redisCpuMs()) - redisBefore) / TASKS;
    const wall = (Date.now() - started) / 1000;
    const [, [first]] = await redis.xrange(names.results_stream, '-', '+', 'COUNT', WARMUP + 1).then((r) => [r[WARMUP - 1], r[WARMUP]]);
    const [[last]] = await redis.xrevrange(names.results_stream, '+', '-', 'COUNT', 1);
    const span = Math.max(1, idMs(last) - idMs(first)) / 1000;
    return { rate: TASKS / span, wall, cpuPerTask, redisPerTask };
  } finally {
    await Promise.all(
      children.map(
        (c) =>
          new Promise((r) => {
            if (c.exitCode !== null) return r();
            c.once('exit', r);
            c.kill('SIGTERM');
          }),
      ),
    );
    await redis.del(...Object.values(names), `${names.stream}:${names.group}:last-error`);
    rmSync(home, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const server = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}, Redis ${server}`;
log(`machine: ${machine}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
log(`${TASKS} tasks of ${SIZE} bytes after ${WARMUP} warm-up tasks, hash worker, ${RUNS} runs each (median shown)`);

const rows = [];
for (const pc of list(opts['provider-consumers'])) {
  for (const k of list(opts.processes)) {
    const runs = [];
    for (let r = 0; r < RUNS; r++) {
      const result = await once(k, pc);
      log(
        `  processes=${k} provider_consumers=${pc} run ${r + 1}: ${result.rate.toFixed(0)} tasks/s, ${result.cpuPerTask.toFixed(2)} CPU ms/task + Redis ${result.redisPerTask.toFixed(3)} (wall ${result.wall.toFixed(2)} s)`,
      );
      runs.push(result);
    }
    const rates = runs.map((x) => x.rate);
    rows.push({
      k,
      pc,
      rate: median(rates),
      min: Math.min(...rates),
      max: Math.max(...rates),
      wall: median(runs.map((x) => x.wall)),
      cpu: median(runs.map((x) => x.cpuPerTask)),
      redisCpu: median(runs.map((x) => x.redisPerTask)),
    });
  }
}
console.log(`\n${machine}; ${TASKS} × ${SIZE} B tasks after ${WARMUP} warm-up, -a hash, results to a stream\n`);
console.log(
  '| `stoq run` processes | provider_consumers | tasks/s (median) | range | consumer CPU ms/task | Redis CPU ms/task | wall s incl. start and warm-up |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.k} | ${r.pc} | ${r.rate.toFixed(0)} | ${r.min.toFixed(0)}–${r.max.toFixed(0)} | ${r.cpu.toFixed(2)} | ${r.redisCpu.toFixed(3)} | ${r.wall.toFixed(2)} |`,
  );
}
log(`load after: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
redis.disconnect();
