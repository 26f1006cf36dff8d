import { from, lastValueFrom, of, Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Payload, Request, RequestMeta, StoqError, StoqResponse } from 'rxstoq';
import { createScanContext, extract, respond, type ScanContext } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import { docExample, exampleConsole, runExample, setup, type SetupOptions } from './support.js';

/** Scan a request (extract), then respond: what scanRequest does, without archivers or decorators. */
const scanned = (ctx: ScanContext) => lastValueFrom(from(ctx.nodes.slice()).pipe(extract(ctx), toArray(), respond(ctx)));

async function context(options: SetupOptions, payloads: Payload[], startDispatch: string[] = []) {
  const s = await setup(options);
  return { ...s, ctx: createScanContext(s.engine, new Request({ payloads, request_meta: new RequestMeta({ source: 'tests' }) }), startDispatch) };
}

/** One turn of the event loop: every promise already settled has been followed up. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const contentOf = (ctx: ScanContext, payloadId: string) => ctx.request.payloads.find((p) => p.payload_id === payloadId)!.content.toString();

describe('respond', () => {
  it('builds one response from the request: its id, metadata, results and errors', async () => {
    const payload = new Payload('only');
    const { ctx } = await context({}, [payload]);
    ctx.request.errors.push(new StoqError('something went wrong', 'hash', payload.payload_id));
    const before = Date.now();

    const responses = await lastValueFrom(of('done').pipe(respond(ctx), toArray()));

    expect(responses).toHaveLength(1);
    const [response] = responses;
    expect(response).toBeInstanceOf(StoqResponse);
    expect(response!.scan_id).toBe(ctx.scanId);
    expect(response!.request_meta.source).toBe('tests');
    expect(response!.results.map((r) => r.payload_id)).toEqual([payload.payload_id]);
    expect(response!.errors.map((e) => e.error)).toEqual(['something went wrong']);
    // `time` is when the response was built.
    expect(Date.parse(response!.time)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(response!.time)).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('waits for what came before to complete and emits one response, however many values it saw', async () => {
    const { ctx } = await context({}, [new Payload('only')]);
    const responses: StoqResponse[] = [];
    let completed = false;
    const values = new Subject<number>();
    values.pipe(respond(ctx)).subscribe({ next: (r) => responses.push(r), complete: () => (completed = true) });
    values.next(1);
    values.next(2);
    expect(responses).toEqual([]);
    values.complete();
    expect(responses.map((r) => r.scan_id)).toEqual([ctx.scanId]);
    expect(completed).toBe(true);
  });

  it('orders extracted payloads by extracting worker and index, not by which worker finished first', async () => {
    const { ctx, plugin } = await context(
      { pluginOpts: { gate: { extract: ['g1', 'g2'] }, gate_b: { extract: ['b1'] } } },
      [new Payload('root')],
      ['gate_b', 'gate'],
    );
    const [gate, gateB] = [await plugin<Gate>('gate'), await plugin<Gate>('gate_b')];
    const done = scanned(ctx);
    await Promise.all([gate.whenHeld(1), gateB.whenHeld(1)]);
    gateB.openAll();
    await settle();
    // gate_b's extraction has landed; gate's has not.
    expect(ctx.request.payloads.map((p) => p.content.toString())).toEqual(['root', 'b1']);
    gate.openAll();
    const response = await done;
    expect(response.results.map((r) => contentOf(ctx, r.payload_id))).toEqual(['root', 'g1', 'g2', 'b1']);
  });

  it('orders a later dependency wave after an earlier one, whatever the workers’ names', async () => {
    // probe requires probe_b, so probe runs (and extracts) one wave later.
    const { ctx } = await context(
      { pluginOpts: { probe: { required_workers: ['probe_b'], extract: ['from probe'] }, probe_b: { extract: ['from probe_b'] } } },
      [new Payload('root')],
      ['probe'],
    );
    const response = await scanned(ctx);
    expect(response.results.map((r) => contentOf(ctx, r.payload_id))).toEqual(['root', 'from probe_b', 'from probe']);
  });

  it('lists the initial payloads, then each depth in turn, children in their parent’s order', async () => {
    const [a, b] = [new Payload('A'), new Payload('B')];
    const { ctx } = await context({ alwaysDispatch: ['extractor'], maxRecursion: 2, pluginOpts: { extractor: { count: 2 } } }, [a, b]);
    const response = await scanned(ctx);
    const results = response.results;
    expect(results).toHaveLength(2 + 4 + 8);
    const id = (i: number) => results[i]!.payload_id;
    const parentOf = (i: number) => results[i]!.extracted_from;
    // extractor writes each child's index in its first four bytes.
    const indexOf = (i: number) => ctx.request.payloads.find((p) => p.payload_id === id(i))!.content.readUInt32BE(0);
    expect([id(0), id(1)]).toEqual([a.payload_id, b.payload_id]);
    expect([2, 3, 4, 5].map(parentOf)).toEqual([[id(0)], [id(0)], [id(1)], [id(1)]]);
    expect([6, 7, 8, 9, 10, 11, 12, 13].map(parentOf)).toEqual([[id(2)], [id(2)], [id(3)], [id(3)], [id(4)], [id(4)], [id(5)], [id(5)]]);
    expect([2, 3, 4, 5, 6, 7].map(indexOf)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('places content extracted twice by its earliest extraction and lists its extractors in order, whichever finished first', async () => {
    const { ctx, plugin } = await context(
      { pluginOpts: { gate: { extract: ['x', 'shared'] }, gate_b: { extract: ['shared'] } } },
      [new Payload('root')],
      ['gate', 'gate_b'],
    );
    const [gate, gateB] = [await plugin<Gate>('gate'), await plugin<Gate>('gate_b')];
    const done = scanned(ctx);
    await Promise.all([gate.whenHeld(1), gateB.whenHeld(1)]);
    // gate_b's extraction of "shared" arrives first.
    gateB.openAll();
    await settle();
    expect(ctx.request.payloads.map((p) => p.content.toString())).toEqual(['root', 'shared']);
    gate.openAll();
    const response = await done;

    expect(response.results.map((r) => contentOf(ctx, r.payload_id))).toEqual(['root', 'x', 'shared']);
    const shared = response.results[2]!;
    expect(shared.extracted_by).toEqual(['gate', 'gate_b']);
    expect(shared.extracted_from).toEqual([response.results[0]!.payload_id]);
  });

  it('a payload that extracts its own content is not its own parent, but keeps the worker in extracted_by (as upstream)', async () => {
    const { ctx } = await context({ pluginOpts: { probe: { extract: ['root', 'child'] } } }, [new Payload('root')], ['probe']);
    const response = await scanned(ctx);
    expect(response.results.map((r) => [contentOf(ctx, r.payload_id), r.extracted_from.length, r.extracted_by])).toEqual([
      ['root', 0, ['probe']],
      ['child', 1, ['probe']],
    ]);
  });

  it('runs its @example as written', async () => {
    const { ctx } = await context({ pluginOpts: { probe: { extract: ['one', 'two'] } } }, [new Payload('hello')], ['probe']);
    const out = exampleConsole();
    await runExample(docExample('respond.ts', 'respond'), { from, extract, toArray, respond, ctx, console: out.console });
    expect(await out.logged(1)).toEqual([[3]]);
  });
});
