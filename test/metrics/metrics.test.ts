import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';
import { cleanEnv, ROOT, STOQ_BIN } from '../helpers/cli.js';

const cliPlugins = join(ROOT, 'test/fixtures/cli-plugins');
const enginePlugins = join(ROOT, 'test/fixtures/engine-plugins');

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The value of one sample (`name{labels}`), 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return 0;
}

async function waitFor<T>(get: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const instances: Stoq[] = [];
afterEach(async () => {
  await Promise.all(instances.splice(0).map((s) => s.close()));
});

describe('Prometheus metrics', () => {
  it('are off unless asked for: no metrics object, no server', async () => {
    const s = new Stoq({ alwaysDispatch: ['hash'], logLevel: 'silent' });
    instances.push(s);
    await s.ready();
    expect(s.engine.metrics).toBeUndefined();
    expect(s.metricsServer).toBeUndefined();
  });

  it('a scrape during a run shows payloads, bytes, plugin latency, timeouts and errors moving', async () => {
    const s = new Stoq({
      metricsPort: 0,
      pluginDirList: [cliPlugins, enginePlugins],
      providers: ['ticker'],
      alwaysDispatch: ['hash', 'sleeper'],
      pluginOpts: { ticker: { interval_ms: 10 }, sleeper: { timeout: 0.02, ms: 5_000 } },
      logLevel: 'silent',
    });
    instances.push(s);
    await s.ready();
    const port = s.metricsServer!.port;
    const stop = new AbortController();
    const run = s.run({ signal: stop.signal, graceSeconds: 5 });

    const first = await waitFor(
      () => scrape(port),
      (t) => sample(t, 'stoq_payloads_scanned_total') >= 3,
    );
    const second = await waitFor(
      () => scrape(port),
      (t) => sample(t, 'stoq_payloads_scanned_total') > sample(first, 'stoq_payloads_scanned_total') + 2,
    );
    stop.abort();
    const summary = await run;

    for (const text of [first, second]) {
      expect(sample(text, 'stoq_bytes_scanned_total')).toBeGreaterThan(0);
      expect(sample(text, 'stoq_plugin_call_duration_seconds_count', { plugin: 'hash', outcome: 'ok' })).toBeGreaterThan(0);
      expect(sample(text, 'stoq_plugin_timeouts_total', { plugin: 'sleeper' })).toBeGreaterThan(0);
      expect(sample(text, 'stoq_plugin_errors_total', { plugin: 'sleeper', code: 'PLUGIN_TIMEOUT' })).toBeGreaterThan(0);
      expect(text).toContain('stoq_scans_in_flight');
      expect(text).toContain('stoq_provider_backlog');
      expect(text).toContain('process_resident_memory_bytes');
    }
    expect(sample(second, 'stoq_bytes_scanned_total')).toBeGreaterThan(sample(first, 'stoq_bytes_scanned_total'));
    expect(sample(second, 'stoq_plugin_call_duration_seconds_count', { plugin: 'hash', outcome: 'ok' })).toBeGreaterThan(
      sample(first, 'stoq_plugin_call_duration_seconds_count', { plugin: 'hash', outcome: 'ok' }),
    );

    const last = await scrape(port);
    expect(sample(last, 'stoq_requests_total')).toBe(summary.responses);
    expect(sample(last, 'stoq_scans_in_flight')).toBe(0);
    expect(sample(last, 'stoq_plugin_timeouts_total', { plugin: 'sleeper' })).toBe(summary.responses);

    await s.close();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('a port that is taken is a clear startup error', async () => {
    const a = new Stoq({ metricsPort: 0, logLevel: 'silent' });
    instances.push(a);
    await a.ready();
    const b = new Stoq({ metricsPort: a.metricsServer!.port, logLevel: 'silent' });
    instances.push(b);
    await expect(b.ready()).rejects.toThrow(/Cannot serve metrics on 127\.0\.0\.1:\d+/);
  });

  it('stoq run --metrics-port serves the endpoint while it runs', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        STOQ_BIN,
        'run',
        '-P',
        'ticker',
        '-a',
        'hash',
        '-C',
        'stdout',
        '--plugin-dir',
        cliPlugins,
        join(ROOT, 'dist/plugins'),
        '--metrics-port',
        String(port),
        '--log-level',
        'error',
      ],
      { env: cleanEnv(), cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const tryScrape = () => scrape(port).catch(() => '');
      const first = await waitFor(tryScrape, (t) => sample(t, 'stoq_payloads_scanned_total') > 0);
      await waitFor(tryScrape, (t) => sample(t, 'stoq_payloads_scanned_total') > sample(first, 'stoq_payloads_scanned_total'));
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited, stderr).toBe(0);
  });
});
