import { Writable } from 'node:stream';
import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createLogger, ManifestSchema, Payload, Request, WorkerPlugin, type EngineMetrics, type WorkerResponseInit } from 'rxstoq';
import { createScanContext, work } from 'rxstoq/operators';
import { setup } from './support.js';

/** Keeps the thread busy: the behaviour under test is a plugin that never yields. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* busy */
  }
}

class Spinner extends WorkerPlugin {
  scan(): WorkerResponseInit {
    spin(Number(this.options['spin_ms']));
    return { results: { finished: true } };
  }
}

class LateSpinner extends WorkerPlugin {
  async scan(): Promise<WorkerResponseInit> {
    await Promise.resolve();
    spin(Number(this.options['spin_ms']));
    return { results: { finished: true } };
  }
}

function plugin<T extends WorkerPlugin>(Cls: new (c: ConstructorParameters<typeof WorkerPlugin>[0]) => T, name: string, options: Record<string, unknown>) {
  return new Cls({ name, manifest: ManifestSchema.parse({ name, module: name }), options, pluginDir: '', log: createLogger({ level: 'silent' }) });
}

function memoryLog() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger({ level: 'warn', destination }) };
}

function recordingMetrics() {
  const held: Array<[string, number]> = [];
  const outcomes: string[] = [];
  const metrics: EngineMetrics = {
    pluginCall: (_p, _s, outcome) => outcomes.push(outcome),
    eventLoopHeld: (p, seconds) => held.push([p, seconds]),
    requestStarted: () => undefined,
    requestFinished: () => undefined,
  };
  return { held, outcomes, metrics };
}

async function runOne(worker: WorkerPlugin, engineOptions: Parameters<typeof setup>[0] = {}) {
  const { engine } = await setup(engineOptions);
  const ctx = createScanContext(engine, new Request({ payloads: [new Payload('x')] }));
  const node = ctx.nodes[0]!;
  await lastValueFrom(of({ node, worker, wave: 0 }).pipe(work(ctx), toArray()));
  return { ctx, node };
}

describe('timeouts that hold when a plugin blocks the event loop', () => {
  it('records a synchronous call that overran its timeout as PLUGIN_TIMEOUT and drops its late result', async () => {
    const { ctx, node } = await runOne(plugin(Spinner, 'spinner', { spin_ms: 300, timeout: 0.1 }));
    expect(node.payload.results.workers).toEqual({});
    expect(node.payload.results.plugins_run.workers).toEqual(['spinner']);
    expect(ctx.request.errors).toHaveLength(1);
    expect(ctx.request.errors[0]).toMatchObject({ plugin_name: 'spinner', code: 'PLUGIN_TIMEOUT', payload_id: node.payload.payload_id });
    expect(ctx.request.errors[0]!.error).toMatch(/^.*Plugin spinner timed out after 0\.1s \(it held the event loop for \d+ ms; its late result was dropped\)$/);
  });

  it('does the same for an async call that blocked the loop after its first await (the timer could not fire)', async () => {
    const { ctx, node } = await runOne(plugin(LateSpinner, 'late_spinner', { spin_ms: 300, timeout: 0.1 }));
    expect(node.payload.results.workers).toEqual({});
    expect(ctx.request.errors.map((e) => e.code)).toEqual(['PLUGIN_TIMEOUT']);
    expect(ctx.request.errors[0]!.error).toContain('Plugin late_spinner timed out after 0.1s');
  });

  it('keeps the result of a call within its timeout, however long it held the loop', async () => {
    const { ctx, node } = await runOne(plugin(Spinner, 'spinner', { spin_ms: 30, timeout: 5 }));
    expect(ctx.request.errors).toEqual([]);
    expect(node.payload.results.workers).toEqual({ spinner: { finished: true } });
  });

  it('names the plugin that held the loop past the warning threshold, in the log and the metrics', async () => {
    const { lines, log } = memoryLog();
    const { held, outcomes, metrics } = recordingMetrics();
    const { ctx } = await runOne(plugin(Spinner, 'spinner', { spin_ms: 120, timeout: 5 }), { log, metrics, eventLoopWarning: 0.05 });
    expect(ctx.request.errors).toEqual([]);
    expect(outcomes).toEqual(['ok']);
    expect(held).toHaveLength(1);
    expect(held[0]![0]).toBe('spinner');
    expect(held[0]![1]).toBeGreaterThanOrEqual(0.12);
    const warning = lines.find((l) => l['plugin'] === 'spinner' && typeof l['held_ms'] === 'number');
    expect(warning?.['msg']).toMatch(/^Plugin spinner held the event loop for \d+ ms/);
    expect(warning?.['held_ms']).toBeGreaterThanOrEqual(120);
  });

  it('says nothing about calls under the threshold', async () => {
    const { lines, log } = memoryLog();
    const { held, metrics } = recordingMetrics();
    await runOne(plugin(Spinner, 'spinner', { spin_ms: 0, timeout: 5 }), { log, metrics, eventLoopWarning: 0.5 });
    expect(held).toEqual([]);
    expect(lines.filter((l) => 'held_ms' in l)).toEqual([]);
  });
});
