import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Payload, PayloadMeta, Request } from 'rxstoq';
import { createScanContext, scanPayload, type WorkOutcome } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import { docExample, exampleConsole, runExample, setup, type SetupOptions } from './support.js';

async function scanOne(options: SetupOptions, startDispatch: string[], payload = new Payload('content')) {
  const s = await setup(options);
  const ctx = createScanContext(s.engine, new Request({ payloads: [payload] }), startDispatch);
  const outcomes = await lastValueFrom(from(ctx.nodes).pipe(scanPayload(ctx), toArray()));
  const steps = outcomes.map((o: WorkOutcome) => [o.worker, o.wave]);
  return { ...s, ctx, payload, outcomes, steps };
}

describe('scanPayload', () => {
  it('runs required_workers first, in waves: a worker starts once what it requires has run', async () => {
    const { payload, steps, ctx } = await scanOne({ pluginOpts: { probe_b: { required_workers: ['probe'] }, probe_c: { required_workers: ['probe_b'] } } }, [
      'probe_c',
      'hash',
    ]);
    // probe_c was asked for; probe and probe_b run first because it requires them. Workers of
    // one wave may finish in any order; the waves are what is promised.
    expect(new Map(steps as Array<[string, number]>)).toEqual(
      new Map([
        ['probe', 0],
        ['hash', 0],
        ['probe_b', 1],
        ['probe_c', 2],
      ]),
    );
    expect(steps.slice(2)).toEqual([
      ['probe_b', 1],
      ['probe_c', 2],
    ]);
    const probesSeen = (name: string) => (payload.results.workers[name] as { saw: string[] }).saw.filter((n) => n.startsWith('probe'));
    expect(probesSeen('probe')).toEqual([]);
    expect(probesSeen('probe_b')).toEqual(['probe']);
    expect(probesSeen('probe_c')).toEqual(['probe', 'probe_b']);
    // plugins_run in wave order, then by name.
    expect(payload.results.plugins_run.workers).toEqual(['hash', 'probe', 'probe_b', 'probe_c']);
    expect(ctx.request.errors).toEqual([]);
  });

  it('runs the workers a worker asks for with dispatch_to, one wave later, each once', async () => {
    const { steps, payload } = await scanOne({ pluginOpts: { probe: { dispatch_to: ['probe_b', 'probe'] }, probe_b: { dispatch_to: ['probe'] } } }, ['probe']);
    expect(steps).toEqual([
      ['probe', 0],
      ['probe_b', 1],
    ]);
    expect(payload.results.workers['probe_b']).toEqual({ saw: ['probe'] });
  });

  it('asks the dispatchers again once workers have run, so a dispatcher may route on what they found', async () => {
    // conditional_dispatcher picks simple_worker only once dummy_worker has run on the request.
    const { steps, payload } = await scanOne({ alwaysDispatch: ['dummy_worker'], dispatchers: ['conditional_dispatcher'] }, []);
    expect(steps).toEqual([
      ['dummy_worker', 0],
      ['simple_worker', 1],
    ]);
    expect(payload.results.workers['simple_worker']).toEqual({ valuable_insight: 'wow' });
  });

  it('records a circular required_workers dependency as an error and runs neither worker', async () => {
    const { steps, ctx, payload } = await scanOne({ pluginOpts: { probe: { required_workers: ['probe_b'] }, probe_b: { required_workers: ['probe'] } } }, [
      'probe',
      'hash',
    ]);
    expect(steps).toEqual([['hash', 0]]);
    expect(ctx.request.errors).toHaveLength(1);
    expect(ctx.request.errors[0]).toMatchObject({ plugin_name: 'probe', payload_id: payload.payload_id, code: 'DEPENDENCY_ERROR' });
    expect(ctx.request.errors[0]!.error).toContain('Circular required plugin dependency found, unable to process plugin probe');
  });

  it('records a required_workers chain deeper than maxRequiredWorkerDepth as an error', async () => {
    const { steps, ctx } = await scanOne(
      { maxRequiredWorkerDepth: 1, pluginOpts: { probe_b: { required_workers: ['probe'] }, probe_c: { required_workers: ['probe_b'] } } },
      ['probe_c'],
    );
    expect(steps).toEqual([]);
    expect(ctx.request.errors.map((e) => [e.plugin_name, e.code])).toEqual([['probe_c', 'DEPENDENCY_ERROR']]);
    expect(ctx.request.errors[0]!.error).toContain('Max required plugin depth 1 reached');
  });

  it('says why a worker never ran when a worker it requires cannot be loaded', async () => {
    const { steps, ctx } = await scanOne({ pluginOpts: { probe_b: { required_workers: ['no_such_worker'] } } }, ['probe_b']);
    expect(steps).toEqual([]);
    expect(ctx.request.errors.map((e) => [e.plugin_name, e.code])).toEqual([
      ['no_such_worker', 'PLUGIN_LOAD_FAILED'],
      ['probe_b', 'DEPENDENCY_UNSATISFIED'],
    ]);
    expect(ctx.request.errors[0]!.error).toContain('Worker plugin no_such_worker failed to load');
    expect(ctx.request.errors[1]!.error).toBe('Worker plugin probe_b did not run: its required workers never ran on this payload');
  });

  it('scans nothing on a payload with should_scan false', async () => {
    const { outcomes, ctx } = await scanOne({ alwaysDispatch: ['probe'] }, ['hash'], new Payload('x', new PayloadMeta({ should_scan: false })));
    expect(outcomes).toEqual([]);
    expect(ctx.request.errors).toEqual([]);
  });

  it('records a payload of a cancelled request as not scanned', async () => {
    const s = await setup({ alwaysDispatch: ['probe'] });
    const controller = new AbortController();
    controller.abort(new Error('stopping'));
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('x')] }), [], { signal: controller.signal });
    const outcomes = await lastValueFrom(from(ctx.nodes).pipe(scanPayload(ctx), toArray()));
    expect(outcomes).toEqual([]);
    expect(ctx.request.errors.map((e) => [e.error, e.code])).toEqual([['Payload not scanned: the request was cancelled (stopping)', 'REQUEST_CANCELLED']]);
    expect((await s.plugin<{ scanned: string[] }>('probe')).scanned).toEqual([]);
  });

  it('emits each worker’s outcome as it finishes, not in the order they started', async () => {
    const s = await setup();
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('x')] }), ['gate', 'gate_b']);
    const gate = await s.plugin<Gate>('gate');
    const gateB = await s.plugin<Gate>('gate_b');
    const finished: string[] = [];
    let firstFinished!: () => void;
    const first = new Promise<void>((resolve) => (firstFinished = resolve));
    const done = new Promise<void>((resolve) =>
      from(ctx.nodes)
        .pipe(scanPayload(ctx))
        .subscribe({
          next: (o) => {
            finished.push(o.worker);
            firstFinished();
          },
          complete: resolve,
        }),
    );

    await Promise.all([gate.whenHeld(1), gateB.whenHeld(1)]);
    gateB.openAll();
    await first;
    expect(finished).toEqual(['gate_b']);
    gate.openAll();
    await done;
    expect(finished).toEqual(['gate_b', 'gate']);
    // Results are still listed in a timing-free order.
    expect(ctx.nodes[0]!.payload.results.plugins_run.workers).toEqual(['gate', 'gate_b']);
  });

  it('scans at most `concurrency` payloads at once', async () => {
    const s = await setup();
    const ctx = createScanContext(s.engine, new Request({ payloads: ['a', 'b', 'c'].map((t) => new Payload(t)) }), ['gate']);
    const gate = await s.plugin<Gate>('gate');
    const done = lastValueFrom(from(ctx.nodes).pipe(scanPayload(ctx, 1), toArray()));
    for (const node of ctx.nodes) {
      const held = await gate.whenHeld(1);
      expect(held.map((c) => c.id)).toEqual([node.payload.payload_id]);
      held[0]!.open();
    }
    expect((await done).map((o) => o.node)).toEqual(ctx.nodes);
    expect(gate.maxInFlight).toBe(1);
  });

  it('runs its @example as written', async () => {
    const s = await setup({ pluginOpts: { probe: { extract: ['one', 'two'] } } });
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('hello')] }), ['probe']);
    const out = exampleConsole();
    await runExample(docExample('scan-payload.ts', 'scanPayload'), { from, scanPayload, ctx, console: out.console });
    expect(await out.logged(1)).toEqual([['probe', 2]]);
  });
});
