import { firstValueFrom, from, lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Payload, PayloadMeta, Request } from 'rxstoq';
import { createScanContext, dispatch } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import { docExample, exampleConsole, runExample, setup } from './support.js';

interface SimpleDispatcher {
  WORKERS: string[];
  RETURN_ERRORS: boolean;
  RAISE_EXCEPTION: boolean;
}

describe('dispatch', () => {
  it('decides always_dispatch first, then each dispatcher’s picks in configuration order, each name once', async () => {
    const s = await setup({ alwaysDispatch: ['hash', ' probe '], dispatchers: ['simple_dispatcher', 'multiclass_plugin'] });
    (await s.plugin<SimpleDispatcher>('simple_dispatcher')).WORKERS = ['probe', 'dummy_worker'];
    (await s.plugin<SimpleDispatcher>('multiclass_plugin')).WORKERS = ['multiclass_plugin', 'hash'];
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('one'), new Payload('two')] }));

    const decisions = await lastValueFrom(from(ctx.nodes).pipe(dispatch(ctx), toArray()));

    expect(decisions).toHaveLength(2);
    expect(decisions.map((d) => d.node)).toEqual(expect.arrayContaining(ctx.nodes));
    for (const d of decisions) {
      expect(d.workers).toEqual(['hash', 'probe', 'dummy_worker', 'multiclass_plugin']);
      expect(d.wave).toBe(0);
      // Each dispatcher's metadata lands on the payload under its name.
      expect(d.node.payload.dispatch_meta).toEqual({
        simple_dispatcher: { test_key: 'Useful metadata info' },
        multiclass_plugin: { multiclass_plugin: { rule0: 'multiclass_plugin' }, hash: { rule0: 'hash' } },
      });
    }
    expect(ctx.request.errors).toEqual([]);
  });

  it('with no dispatchers, decides always_dispatch alone', async () => {
    const s = await setup({ alwaysDispatch: ['hash', 'hash', 'probe'] });
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('x')] }));
    const decision = await firstValueFrom(from(ctx.nodes).pipe(dispatch(ctx)));
    expect(decision.workers).toEqual(['hash', 'probe']);
  });

  it('gives a payload with should_scan false no workers, without asking the dispatchers', async () => {
    const s = await setup({ alwaysDispatch: ['hash'], dispatchers: ['simple_dispatcher'] });
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('skip me', new PayloadMeta({ should_scan: false }))] }));
    const decision = await firstValueFrom(from(ctx.nodes).pipe(dispatch(ctx)));
    expect(decision.workers).toEqual([]);
    expect(decision.node.payload.dispatch_meta).toEqual({});
  });

  it('records the wave it was given on its decisions', async () => {
    const s = await setup({ alwaysDispatch: ['hash'] });
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('x')] }));
    expect((await firstValueFrom(from(ctx.nodes).pipe(dispatch(ctx, { wave: 3 })))).wave).toBe(3);
  });

  it('records a dispatcher’s returned errors, and each distinct one once across dispatches sharing `reported`', async () => {
    const s = await setup({ dispatchers: ['simple_dispatcher'] });
    (await s.plugin<SimpleDispatcher>('simple_dispatcher')).RETURN_ERRORS = true;
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('x')] }));
    const node = ctx.nodes[0]!;
    const reported = new Set<string>();

    const first = await firstValueFrom(of(node).pipe(dispatch(ctx, { reported })));
    await firstValueFrom(of(node).pipe(dispatch(ctx, { wave: 1, reported })));

    // The picks still count despite the errors.
    expect(first.workers).toEqual(['dummy_worker']);
    expect(ctx.request.errors.map((e) => e.error)).toEqual(['Test error please ignore']);

    // Without the shared set, every dispatch records its errors again.
    await firstValueFrom(of(node).pipe(dispatch(ctx, { wave: 2 })));
    expect(ctx.request.errors.map((e) => e.error)).toEqual(['Test error please ignore', 'Test error please ignore']);
  });

  it('records a dispatcher that throws as an error naming it and the payload, once with a shared set; the other dispatchers’ picks stand', async () => {
    const s = await setup({ alwaysDispatch: ['hash'], dispatchers: ['simple_dispatcher', 'multiclass_plugin'] });
    (await s.plugin<SimpleDispatcher>('simple_dispatcher')).RAISE_EXCEPTION = true;
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('x')] }));
    const node = ctx.nodes[0]!;
    const reported = new Set<string>();

    const decision = await firstValueFrom(of(node).pipe(dispatch(ctx, { reported })));
    await firstValueFrom(of(node).pipe(dispatch(ctx, { reported })));

    expect(decision.workers).toEqual(['hash', 'multiclass_plugin']);
    expect(ctx.request.errors).toHaveLength(1);
    const [error] = ctx.request.errors;
    expect(error!.plugin_name).toBe('simple_dispatcher');
    expect(error!.payload_id).toBe(node.payload.payload_id);
    expect(error!.error).toMatch(/^dispatcher:failed to dispatch: .*Error: Test exception please ignore$/);
  });

  it('dispatches at most `concurrency` payloads at once', async () => {
    const s = await setup({ dispatchers: ['gate'], pluginOpts: { gate: { plugin_names: ['hash'] } } });
    const gate = await s.plugin<Gate>('gate');
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('a'), new Payload('b'), new Payload('c')] }));
    const decisions: string[] = [];
    const done = lastValueFrom(from(ctx.nodes).pipe(dispatch(ctx, { concurrency: 2 }), toArray()));

    const held = await gate.whenHeld(2);
    expect(held.map((c) => c.id)).toEqual([ctx.nodes[0]!.payload.payload_id, ctx.nodes[1]!.payload.payload_id]);
    held[0]!.open();
    // The third payload is asked for only once the first one's dispatch is done.
    const next = await gate.whenHeld(2);
    expect(next.map((c) => c.id)).toEqual([ctx.nodes[1]!.payload.payload_id, ctx.nodes[2]!.payload.payload_id]);
    gate.openAll();
    for (const d of await done) decisions.push(...d.workers);
    expect(decisions).toEqual(['hash', 'hash', 'hash']);
    expect(gate.maxInFlight).toBe(2);
  });

  it('runs its @example as written', async () => {
    const s = await setup({ alwaysDispatch: ['hash'] });
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('x'), new Payload('y')] }));
    const out = exampleConsole();
    await runExample(docExample('dispatch.ts', 'dispatch'), { from, dispatch, ctx, console: out.console });
    expect(await out.logged(2)).toEqual([
      [ctx.nodes[0]!.payload.payload_id, ['hash']],
      [ctx.nodes[1]!.payload.payload_id, ['hash']],
    ]);
  });
});
