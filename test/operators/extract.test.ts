import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LIMIT_CODES, Payload, Request } from 'rxstoq';
import { createScanContext, extract, type PayloadNode } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import { docExample, exampleConsole, runExample, setup, type SetupOptions } from './support.js';

async function extractAll(options: SetupOptions, payloads: Payload[], startDispatch: string[] = [], concurrency?: number) {
  const s = await setup(options);
  const ctx = createScanContext(s.engine, new Request({ payloads }), startDispatch);
  const nodes = await lastValueFrom(from(ctx.nodes.slice()).pipe(extract(ctx, concurrency), toArray()));
  return { ...s, ctx, nodes };
}

const text = (n: PayloadNode) => n.payload.content.toString();

describe('extract', () => {
  it('scans extracted payloads, and what is extracted from them, down to maxRecursion; deeper ones are recorded, not scanned', async () => {
    // extractor: two distinct children per payload (their bytes depend on the parent's sha256).
    const { nodes, ctx } = await extractAll({ alwaysDispatch: ['extractor'], maxRecursion: 3, pluginOpts: { extractor: { count: 2 } } }, [new Payload('root')]);

    const byDepth = (d: number) => nodes.filter((n) => n.depth === d);
    expect([0, 1, 2, 3].map((d) => byDepth(d).length)).toEqual([1, 2, 4, 8]);
    expect(nodes).toHaveLength(15);
    expect(ctx.request.payloads).toHaveLength(15);
    // Depths 0..2 were scanned; depth 3 reached the limit.
    for (const n of [...byDepth(0), ...byDepth(1), ...byDepth(2)]) expect(n.payload.results.plugins_run.workers).toEqual(['extractor']);
    for (const n of byDepth(3)) expect(n.payload.results.plugins_run.workers).toEqual([]);
    expect(ctx.request.errors).toHaveLength(8);
    for (const e of ctx.request.errors) {
      expect(e.code).toBe('MAX_RECURSION');
      expect(e.error).toBe('Final worker round (3) reached, unable to process payload');
    }
    expect(new Set(ctx.request.errors.map((e) => e.payload_id))).toEqual(new Set(byDepth(3).map((n) => n.payload.payload_id)));
    // Every extracted payload names its parent and extractor.
    for (const n of nodes.filter((x) => x.depth > 0)) {
      expect(n.payload.results.extracted_from).toEqual([n.parent!.payload.payload_id]);
      expect(n.payload.results.extracted_by).toEqual(['extractor']);
    }
  });

  it('scans content extracted twice in a request once; the payload gains every parent and extractor', async () => {
    const a = new Payload('first parent');
    const b = new Payload('second parent');
    const { nodes, ctx } = await extractAll(
      { alwaysDispatch: ['hash'], pluginOpts: { probe: { extract: ['shared'] }, probe_b: { extract: ['shared'] } } },
      [a, b],
      ['probe', 'probe_b'],
    );
    const shared = nodes.filter((n) => text(n) === 'shared');
    expect(shared).toHaveLength(1);
    expect(nodes).toHaveLength(3);
    expect(shared[0]!.payload.results.extracted_from.sort()).toEqual([a.payload_id, b.payload_id].sort());
    expect(shared[0]!.payload.results.extracted_by.sort()).toEqual(['probe', 'probe_b']);
    // Scanned once: hash ran on it once.
    expect(shared[0]!.payload.results.plugins_run.workers).toEqual(['hash']);
    expect(ctx.request.payloads.filter((p) => p.content.toString() === 'shared')).toHaveLength(1);
  });

  it('starts an extracted payload with the workers its payload_meta.dispatch_to names (not the start dispatch)', async () => {
    const { nodes } = await extractAll({ pluginOpts: { probe: { extract: ['child'], extracted_dispatch_to: ['probe_b'] } } }, [new Payload('root')], ['probe']);
    const child = nodes.find((n) => text(n) === 'child')!;
    expect(child.payload.results.plugins_run.workers).toEqual(['probe_b']);
    expect(nodes[0]!.payload.results.plugins_run.workers).toEqual(['probe']);
  });

  it('records the initial payloads as not scanned when maxRecursion is 0, as scanRequest does', async () => {
    const payload = new Payload('root');
    const { nodes, ctx } = await extractAll({ maxRecursion: 0 }, [payload], ['probe']);
    expect(nodes).toHaveLength(1);
    expect(payload.results.plugins_run.workers).toEqual([]);
    expect(ctx.request.errors.map((e) => [e.payload_id, e.code, e.error])).toEqual([
      [payload.payload_id, 'MAX_RECURSION', 'Final worker round (0) reached, unable to process payload'],
    ]);
  });

  it('emits a payload over maxPayloadSize but does not scan it, recording why', async () => {
    const big = new Payload('x'.repeat(100));
    const small = new Payload('small');
    const { nodes, ctx } = await extractAll({ alwaysDispatch: ['hash'], limits: { maxPayloadSize: 50 } }, [big, small]);
    expect(nodes.map(text)).toEqual(['x'.repeat(100), 'small']);
    expect(big.results.plugins_run.workers).toEqual([]);
    expect(small.results.plugins_run.workers).toEqual(['hash']);
    expect(ctx.request.errors.map((e) => [e.payload_id, e.code, e.error])).toEqual([
      [big.payload_id, LIMIT_CODES.payloadSize, 'Payload of 100 bytes exceeds the maximum payload size of 50 bytes; recorded, not scanned'],
    ]);
  });

  it('drops extracted content past a budget with an error naming the limit and the worker', async () => {
    const { nodes, ctx } = await extractAll(
      { limits: { maxExtractedPerPayload: 2 }, pluginOpts: { probe: { extract: ['one', 'two', 'three'] } } },
      [new Payload('root')],
      ['probe'],
    );
    expect(nodes.map(text)).toEqual(['root', 'one', 'two']);
    expect(ctx.request.errors.map((e) => [e.plugin_name, e.code, e.error])).toEqual([
      ['probe', LIMIT_CODES.perPayload, 'Limit of 2 extracted payloads per payload reached; 1 extracted payload(s) from probe dropped'],
    ]);
  });

  it('has at most `concurrency` payloads of the request in work at once', async () => {
    // gate extracts three payloads from the root and (always dispatched) holds every scan.
    const s = await setup({ alwaysDispatch: ['gate'], pluginOpts: { gate: { extract: ['a', 'b', 'c'] } } });
    const gate = await s.plugin<Gate>('gate');
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('root')] }));
    const done = lastValueFrom(from(ctx.nodes.slice()).pipe(extract(ctx, 2), toArray()));

    (await gate.whenHeld(1))[0]!.open();
    const children = await gate.whenHeld(2);
    expect(children.map((c) => ctx.request.payloads.find((p) => p.payload_id === c.id)!.content.toString())).toEqual(['a', 'b']);
    // Each child extracts a, b, c again: seen already, so nothing new to scan.
    children[0]!.open();
    (await gate.whenHeld(2))[1]!.open();
    gate.openAll();
    const nodes = await done;
    expect(nodes.map(text)).toEqual(['root', 'a', 'b', 'c']);
    expect(gate.calls).toBe(4);
    expect(gate.maxInFlight).toBe(2);
  });

  it('runs its @example as written', async () => {
    const s = await setup({ pluginOpts: { probe: { extract: ['one', 'two'] } } });
    const ctx = createScanContext(s.engine, new Request({ payloads: [new Payload('hello')] }), ['probe']);
    const out = exampleConsole();
    await runExample(docExample('extract.ts', 'extract'), { from, extract, toArray, ctx, console: out.console });
    expect(await out.logged(1)).toEqual([[3]]);
  });
});
