import { from, lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Payload, Request, type StoqResponse } from 'rxstoq';
import { decorate, scanRequest, type Engine } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import { docExample, exampleConsole, runExample, setup, openOneByOne } from './support.js';

interface SimpleDecorator {
  RAISE_EXCEPTION: boolean;
  RETURN_ERRORS: boolean;
}

/** A finished, undecorated response (scanned by an engine without decorators). */
async function undecorated(text = 'content'): Promise<StoqResponse> {
  const plain = await setup();
  return lastValueFrom(scanRequest(plain.engine, new Request({ payloads: [new Payload(text)] }), ['hash']));
}

const decorateAll = (engine: Engine, responses: StoqResponse[], concurrency?: number) =>
  lastValueFrom(from(responses).pipe(decorate(engine, concurrency), toArray()));

describe('decorate', () => {
  it('puts each decorator’s results under its name, in configuration order, whichever finishes first', async () => {
    const s = await setup({ decorators: ['gate', 'simple_decorator'] });
    const gate = await s.plugin<Gate>('gate');
    const response = await undecorated();
    const done = decorateAll(s.engine, [response]);

    const [held] = await gate.whenHeld(1);
    // simple_decorator has answered; nothing is written until every decorator has.
    expect(response.decorators).toEqual({});
    held!.open();

    expect(await done).toEqual([response]);
    expect(Object.keys(response.decorators)).toEqual(['gate', 'simple_decorator']);
    expect(response.decorators).toEqual({ gate: { opened: true }, simple_decorator: { simple_decoration: 123 } });
    expect(response.errors).toEqual([]);
  });

  it('adds the errors a decorator returns to the response', async () => {
    const s = await setup({ decorators: ['simple_decorator'] });
    (await s.plugin<SimpleDecorator>('simple_decorator')).RETURN_ERRORS = true;
    const [response] = await decorateAll(s.engine, [await undecorated()]);
    expect(response!.decorators).toEqual({ simple_decorator: { simple_decoration: 123 } });
    expect(response!.errors.map((e) => [e.plugin_name, e.error])).toEqual([['simple_decorator', 'Test error please ignore']]);
  });

  it('turns a decorator that throws into an error naming it; the other decorators’ results stand', async () => {
    const s = await setup({ decorators: ['simple_decorator', 'dummy_decorator', 'gate'] });
    (await s.plugin<SimpleDecorator>('simple_decorator')).RAISE_EXCEPTION = true;
    const gate = await s.plugin<Gate>('gate');
    const done = decorateAll(s.engine, [await undecorated()]);
    (await gate.whenHeld(1))[0]!.open();
    const [response] = await done;

    expect(response!.decorators).toEqual({ gate: { opened: true } });
    expect(response!.errors).toHaveLength(1);
    expect(response!.errors[0]).toMatchObject({ plugin_name: 'simple_decorator', payload_id: null });
    expect(response!.errors[0]!.error).toMatch(/^decorator: .*Error: Test exception please ignore$/);
  });

  it('passes responses through untouched when the engine has no decorators', async () => {
    const s = await setup();
    const response = await undecorated();
    expect(await decorateAll(s.engine, [response])).toEqual([response]);
    expect(response.decorators).toEqual({});
  });

  it('decorates at most `concurrency` responses at once', async () => {
    const s = await setup({ decorators: ['gate'] });
    const gate = await s.plugin<Gate>('gate');
    const responses = [await undecorated('a'), await undecorated('b'), await undecorated('c')];
    const done = decorateAll(s.engine, responses, 1);
    expect(
      await openOneByOne(
        gate,
        responses.map((r) => r.scan_id),
        done,
      ),
    ).toEqual(responses);
  });

  it('runs its @example as written, each decorator once', async () => {
    const s = await setup({ decorators: ['gate'] });
    const gate = await s.plugin<Gate>('gate');
    const out = exampleConsole();
    // Free names an example may use: a request to scan, or finished responses to decorate.
    const response = await undecorated();
    await runExample(docExample('decorate.ts', 'decorate'), {
      decorate,
      scanRequest,
      of,
      from,
      engine: s.engine,
      request: new Request({ payloads: [new Payload('hello')] }),
      response,
      responses: [response],
      console: out.console,
    });
    (await gate.whenHeld(1))[0]!.open();
    // Either the decorated response is logged, or the decorator is called a second time.
    await Promise.race([out.logged(1), gate.whenHeld(1)]);
    const calls = gate.calls;
    gate.openAll();
    expect(calls).toBe(1);
    expect(await out.logged(1)).toEqual([[{ gate: { opened: true } }]]);
  });
});
