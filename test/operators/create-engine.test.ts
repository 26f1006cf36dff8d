import { from, lastValueFrom, toArray } from 'rxjs';
import { createLogger, getMd5, PluginManager } from 'rxstoq';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, DEFAULTS, Payload, Request } from 'rxstoq';
import { createEngine, createScanContext, scanRequest, work } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import { docExample, exampleConsole, runExample, setup } from './support.js';

describe('createEngine', () => {
  it('fills in the defaults a Stoq would use', async () => {
    const { engine } = await setup();
    expect(engine.maxRecursion).toBe(DEFAULTS.maxRecursion);
    expect(engine.maxRequiredWorkerDepth).toBe(DEFAULTS.maxRequiredWorkerDepth);
    expect(engine.payloadConcurrency).toBe(DEFAULTS.payloadConcurrency);
    expect(engine.alwaysDispatch).toEqual([]);
    expect(engine.limits).toEqual(DEFAULT_LIMITS);
    expect(engine.requestTimeoutSeconds).toBeUndefined();
    expect([engine.dispatchers, engine.destArchivers, engine.decorators, engine.connectors]).toEqual([[], [], [], []]);
    expect(engine.sourceArchivers.size).toBe(0);
  });

  it('takes the options it is given; limits given as undefined keep their defaults', async () => {
    const { engine } = await setup({
      maxRecursion: 2,
      maxRequiredWorkerDepth: 3,
      alwaysDispatch: ['hash'],
      payloadConcurrency: 5,
      requestTimeout: 9,
      limits: { maxPayloadSize: 10, maxExtractedBytes: undefined },
      sourceArchivers: ['filedir', 'simple_archiver'],
    });
    expect([engine.maxRecursion, engine.maxRequiredWorkerDepth, engine.payloadConcurrency, engine.requestTimeoutSeconds]).toEqual([2, 3, 5, 9]);
    expect(engine.alwaysDispatch).toEqual(['hash']);
    expect(engine.limits).toEqual({ ...DEFAULT_LIMITS, maxPayloadSize: 10 });
    expect([...engine.sourceArchivers.keys()]).toEqual(['filedir', 'simple_archiver']);
  });

  it('loads workers on demand from the manager, once each', async () => {
    const { engine, manager } = await setup();
    expect(engine.loadedWorker('hash')).toBeUndefined();
    const hash = await engine.loadWorker('hash');
    expect(hash.plugin_name).toBe('hash');
    expect(engine.loadedWorker('hash')).toBe(hash);
    expect(await engine.loadWorker('hash')).toBe(hash);
    expect(manager.loadedPlugins.get('hash')).toBe(hash);
  });

  it('refuses to load a worker that does not exist or is not a worker, naming it', async () => {
    const { engine } = await setup();
    await expect(engine.loadWorker('no_such_plugin')).rejects.toThrow('The plugin "no_such_plugin" is invalid or does not exist in your plugin path');
    await expect(engine.loadWorker('simple_decorator')).rejects.toThrow('Plugin "simple_decorator" cannot be used as a worker');
    expect(engine.loadedWorker('simple_decorator')).toBeUndefined();
  });

  it('limits calls of one plugin to its `concurrency` option, and all plugin calls to workerConcurrency', async () => {
    for (const [options, expected] of [
      [{ pluginOpts: { gate: { concurrency: 1 } } }, 1],
      [{ workerConcurrency: 2 }, 2],
    ] as const) {
      const s = await setup(options);
      const gate = await s.plugin<Gate>('gate');
      const worker = await s.engine.loadWorker('gate');
      const ctx = createScanContext(s.engine, new Request({ payloads: ['a', 'b', 'c', 'd'].map((t) => new Payload(t)) }));
      const done = lastValueFrom(from(ctx.nodes.map((node) => ({ node, worker, wave: 0 }))).pipe(work(ctx), toArray()));
      for (let i = 0; i < 4; i++) (await gate.whenHeld(1))[0]!.open();
      expect(await done).toHaveLength(4);
      expect(gate.maxInFlight).toBe(expected);
    }
  });

  it('gives a plugin call its `timeout` option, else pluginTimeout', async () => {
    for (const [options, seconds] of [
      [{ pluginTimeout: 0.05 }, 0.05],
      [{ pluginTimeout: 600, pluginOpts: { sleeper: { timeout: 0.04 } } }, 0.04],
    ] as const) {
      const s = await setup(options);
      const sleeper = await s.engine.loadWorker('sleeper');
      expect(s.engine.timeoutSeconds(sleeper)).toBe(seconds);
      const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('x')] }));
      await lastValueFrom(from([{ node: ctx.nodes[0]!, worker: sleeper, wave: 0 }]).pipe(work(ctx)));
      expect(ctx.request.errors.map((e) => e.code)).toEqual(['PLUGIN_TIMEOUT']);
      expect(ctx.request.errors[0]!.error).toContain(`Plugin sleeper timed out after ${seconds}s`);
    }
  });

  it('runs its @example as written (bundled plugins, no folder of its own)', async () => {
    const out = exampleConsole();
    await runExample(docExample('internal/create-engine.ts', 'createEngine'), {
      PluginManager,
      createLogger,
      createEngine,
      lastValueFrom,
      scanRequest,
      Request,
      Payload,
      console: out.console,
    });
    const [[hash]] = (await out.logged(1)) as [[{ md5: string }]];
    expect(hash.md5).toBe(getMd5('hello'));
  });
});
