import { from, lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createLogger, ManifestSchema, Payload, Request, StoqError, WorkerPlugin, type Worker, type WorkerResponseInit } from 'rxstoq';
import { createScanContext, work, type WorkOutcome } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import { docExample, exampleConsole, runExample, setup } from './support.js';

async function oneWorker(name: string, pluginOpts: Record<string, Record<string, unknown>> = {}) {
  const s = await setup({ pluginOpts });
  const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('some content')] }));
  const worker: Worker = await s.engine.loadWorker(name);
  return { ...s, ctx, node: ctx.nodes[0]!, worker };
}

describe('work', () => {
  it('records a worker’s results, returned errors and run, and hands on its extractions and dispatch_to', async () => {
    const { ctx, node, worker } = await oneWorker('probe', {
      probe: { extract: ['carved'], errors: ['found something odd'], dispatch_to: ['hash'] },
    });

    const [outcome] = await lastValueFrom(of({ node, worker, wave: 2 }).pipe(work(ctx), toArray()));

    expect(node.payload.results.workers).toEqual({ probe: { saw: [] } });
    expect(node.payload.results.plugins_run.workers).toEqual(['probe']);
    expect(ctx.request.errors.map((e) => e.error)).toEqual(['found something odd']);
    expect(outcome!.node).toBe(node);
    expect(outcome!.worker).toBe('probe');
    expect(outcome!.wave).toBe(2);
    expect(outcome!.dispatchTo).toEqual(['hash']);
    expect(outcome!.extracted.map((e) => e.content.toString())).toEqual(['carved']);
    // Extracted content is only handed on: making payloads of it is extract's job.
    expect(ctx.request.payloads).toHaveLength(1);
  });

  it('names itself and the payload on the plain-string errors a worker returns (UD-34)', async () => {
    const { ctx, node, worker } = await oneWorker('probe', { probe: { errors: ['found something odd'] } });
    await lastValueFrom(of({ node, worker, wave: 0 }).pipe(work(ctx), toArray()));
    expect(ctx.request.errors).toHaveLength(1);
    expect(ctx.request.errors[0]).toBeInstanceOf(StoqError);
    expect(ctx.request.errors[0]!.toJSON()).toEqual({ error: 'found something odd', plugin_name: 'probe', payload_id: node.payload.payload_id });
  });

  it('fills only what a returned error left null, on a copy: a shared error object is never changed (UD-34)', async () => {
    const shared = new StoqError('returned every time');
    class Reporter extends WorkerPlugin {
      scan(): WorkerResponseInit {
        return { errors: [shared, new StoqError('about another payload', 'elsewhere', 'p-other', 'ODD'), new StoqError('half named', 'helper')] };
      }
    }
    const { engine } = await setup();
    const ctx = createScanContext(engine, new Request({ payloads: [new Payload('first'), new Payload('second')] }));
    const reporter = new Reporter({
      name: 'reporter',
      manifest: ManifestSchema.parse({ name: 'reporter', module: 'reporter' }),
      options: {},
      pluginDir: '',
      log: createLogger({ level: 'silent' }),
    });
    await lastValueFrom(from(ctx.nodes.map((node) => ({ node, worker: reporter, wave: 0 }))).pipe(work(ctx), toArray()));

    const [id1, id2] = ctx.request.payloads.map((p) => p.payload_id);
    expect(ctx.request.errors.map((e) => e.toJSON())).toEqual([
      { error: 'returned every time', plugin_name: 'reporter', payload_id: id1 },
      { error: 'about another payload', plugin_name: 'elsewhere', payload_id: 'p-other', code: 'ODD' },
      { error: 'half named', plugin_name: 'helper', payload_id: id1 },
      { error: 'returned every time', plugin_name: 'reporter', payload_id: id2 },
      { error: 'about another payload', plugin_name: 'elsewhere', payload_id: 'p-other', code: 'ODD' },
      { error: 'half named', plugin_name: 'helper', payload_id: id2 },
    ]);
    expect(shared.toJSON()).toEqual({ error: 'returned every time', plugin_name: null, payload_id: null });
  });

  it('turns a throwing worker into an error naming it and the payload, still listed as run', async () => {
    const { ctx, node, worker } = await oneWorker('probe', { probe: { fail: 'probe blew up' } });
    const [outcome] = await lastValueFrom(of({ node, worker, wave: 0 }).pipe(work(ctx), toArray()));

    expect(outcome!.extracted).toEqual([]);
    expect(outcome!.dispatchTo).toEqual([]);
    expect(node.payload.results.workers).toEqual({});
    expect(node.payload.results.plugins_run.workers).toEqual(['probe']);
    expect(ctx.request.errors).toHaveLength(1);
    expect(ctx.request.errors[0]).toMatchObject({ plugin_name: 'probe', payload_id: node.payload.payload_id });
    expect(ctx.request.errors[0]!.error).toMatch(/^worker:failed to scan: .*Error: probe blew up$/);
  });

  it('turns a malformed answer into an INVALID_RESPONSE error saying what was wrong', async () => {
    const { ctx, node, worker } = await oneWorker('garbage', { garbage: { kind: 'bad-dispatch' } });
    await lastValueFrom(of({ node, worker, wave: 0 }).pipe(work(ctx), toArray()));
    expect(ctx.request.errors).toHaveLength(1);
    expect(ctx.request.errors[0]).toMatchObject({ plugin_name: 'garbage', code: 'INVALID_RESPONSE' });
    expect(ctx.request.errors[0]!.error).toContain('"dispatch_to" must be an array, got string');
    expect(node.payload.results.plugins_run.workers).toEqual(['garbage']);
  });

  it('turns a worker running past its timeout into a PLUGIN_TIMEOUT error', async () => {
    const { ctx, node, worker } = await oneWorker('sleeper', { sleeper: { timeout: 0.05 } });
    await lastValueFrom(of({ node, worker, wave: 0 }).pipe(work(ctx), toArray()));
    expect(ctx.request.errors).toHaveLength(1);
    expect(ctx.request.errors[0]).toMatchObject({ plugin_name: 'sleeper', code: 'PLUGIN_TIMEOUT' });
    expect(ctx.request.errors[0]!.error).toContain('Plugin sleeper timed out after 0.05s');
    expect(node.payload.results.plugins_run.workers).toEqual(['sleeper']);
  });

  it('emits a synchronous worker’s outcome synchronously, recorded already', async () => {
    const { ctx, node, worker } = await oneWorker('probe');
    const seen: WorkOutcome[] = [];
    let completed = false;
    of({ node, worker, wave: 0 })
      .pipe(work(ctx))
      .subscribe({ next: (o) => seen.push(o), complete: () => (completed = true) });
    // No await between subscribing and these checks.
    expect(seen.map((o) => o.worker)).toEqual(['probe']);
    expect(completed).toBe(true);
    expect(node.payload.results.plugins_run.workers).toEqual(['probe']);
    expect(node.payload.results.workers['probe']).toEqual({ saw: [] });
  });

  it('runs at most `concurrency` tasks at once', async () => {
    const s = await setup();
    const ctx = createScanContext(s.engine, new Request({ payloads: ['a', 'b', 'c', 'd'].map((t) => new Payload(t)) }));
    const worker = await s.engine.loadWorker('gate');
    const gate = await s.plugin<Gate>('gate');
    const done = lastValueFrom(from(ctx.nodes.map((node) => ({ node, worker, wave: 0 }))).pipe(work(ctx, 2), toArray()));

    for (let opened = 0; opened < 4; opened++) {
      const [first] = await gate.whenHeld(1);
      expect(gate.inFlight).toBeLessThanOrEqual(2);
      first!.open();
    }
    const outcomes = await done;
    expect(outcomes).toHaveLength(4);
    expect(gate.maxInFlight).toBe(2);
    expect(ctx.nodes.map((n) => n.payload.results.workers['gate'])).toEqual([{ opened: true }, { opened: true }, { opened: true }, { opened: true }]);
  });

  it('runs its @example as written', async () => {
    const s = await setup();
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('hello')] }));
    const node = ctx.nodes[0]!;
    const out = exampleConsole();
    await runExample(docExample('work.ts', 'work'), { of, work, node, engine: s.engine, ctx, console: out.console });
    expect(await out.logged(1)).toEqual([['hash']]);
    expect(node.payload.results.workers['hash']).toMatchObject({ sha256: node.payload.sha256 });
  });
});
