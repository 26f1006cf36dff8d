import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Payload, Request } from 'rxstoq';
import { reconstructSubresponses, scanRequest } from 'rxstoq/operators';
import { docExample, exampleConsole, runExample, setup } from './support.js';

describe('reconstructSubresponses', () => {
  it('makes each payload the root of a response with its extraction subtree and its errors, re-decorated, same scan_id and time', async () => {
    // Two children per payload; the grandchildren are past maxRecursion, so each carries an error.
    const s = await setup({ alwaysDispatch: ['extractor'], maxRecursion: 2, decorators: ['simple_decorator'], pluginOpts: { extractor: { count: 2 } } });
    const response = await lastValueFrom(scanRequest(s.engine, new Request({ payloads: [new Payload('root')] })));
    expect(response.results).toHaveLength(7);
    expect(response.errors).toHaveLength(4);

    const subs = await lastValueFrom(reconstructSubresponses(s.engine, response).pipe(toArray()));

    expect(subs.map((sub) => sub.results[0]!.payload_id)).toEqual(response.results.map((r) => r.payload_id));
    expect(subs.map((sub) => sub.results.length)).toEqual([7, 3, 3, 1, 1, 1, 1]);
    expect(subs.map((sub) => sub.errors.length)).toEqual([4, 2, 2, 1, 1, 1, 1]);
    for (const sub of subs) {
      expect(sub.scan_id).toBe(response.scan_id);
      expect(sub.time).toBe(response.time);
      expect(sub.decorators).toEqual({ simple_decorator: { simple_decoration: 123 } });
      // Everything in it descends from its root, each payload once.
      const ids = sub.results.map((r) => r.payload_id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const r of sub.results.slice(1)) expect(r.extracted_from.some((p) => ids.includes(p))).toBe(true);
      for (const e of sub.errors) expect(ids).toContain(e.payload_id);
    }
    const child = response.results[1]!.payload_id;
    expect(subs[1]!.results.slice(1).map((r) => r.extracted_from)).toEqual([[child], [child]]);
  });

  it('puts a payload extracted from two parents in each parent’s response once', async () => {
    const s = await setup({ pluginOpts: { probe: { extract: ['shared'] } } });
    const [a, b] = [new Payload('a'), new Payload('b')];
    const response = await lastValueFrom(scanRequest(s.engine, new Request({ payloads: [a, b] }), ['probe']));
    const shared = response.results[2]!.payload_id;

    const subs = await lastValueFrom(reconstructSubresponses(s.engine, response).pipe(toArray()));

    expect(subs.map((sub) => sub.results.map((r) => r.payload_id))).toEqual([[a.payload_id, shared], [b.payload_id, shared], [shared]]);
  });

  it('runs its @example as written', async () => {
    const s = await setup({ pluginOpts: { probe: { extract: ['one', 'two'] } } });
    const response = await lastValueFrom(scanRequest(s.engine, new Request({ payloads: [new Payload('hello')] }), ['probe']));
    const out = exampleConsole();
    await runExample(docExample('reconstruct.ts', 'reconstructSubresponses'), { reconstructSubresponses, engine: s.engine, response, console: out.console });
    expect(await out.logged(3)).toEqual([[3], [1], [1]]);
  });
});
