import { from } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Payload, Request } from 'rxstoq';
import { createScanContext, extract, RequestDeadlineError, respond } from 'rxstoq/operators';
import { docExample, exampleConsole, runExample, setup } from './support.js';

const aborted = (signal: AbortSignal) => new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));

afterEach(() => {
  vi.useRealTimers();
});

describe('createScanContext', () => {
  it('holds one node per initial payload, in order, and the cleaned start dispatch', async () => {
    const { engine } = await setup();
    const payloads = [new Payload('a'), new Payload('b')];
    const request = new Request({ payloads });
    const ctx = createScanContext(engine, request, [' hash ', '', 'probe']);

    expect(ctx.engine).toBe(engine);
    expect(ctx.request).toBe(request);
    expect(ctx.startDispatch).toEqual(['hash', 'probe']);
    expect(ctx.nodes.map((n) => [n.payload, n.depth, n.initial])).toEqual([
      [payloads[0], 0, true],
      [payloads[1], 0, true],
    ]);
    expect(ctx.scanId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(createScanContext(engine, request).scanId).not.toBe(ctx.scanId);
    expect(ctx.signal.aborted).toBe(false);
  });

  it('is cancelled by the signal it is given', async () => {
    const { engine } = await setup();
    const controller = new AbortController();
    const ctx = createScanContext(engine, new Request(), [], { signal: controller.signal });
    const reason = new Error('run stopped');
    controller.abort(reason);
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe(reason);
  });

  it('is cancelled with a RequestDeadlineError when its deadline passes (option over the engine’s)', async () => {
    const { engine } = await setup({ requestTimeout: 600 });
    const ctx = createScanContext(engine, new Request(), [], { requestTimeout: 0.01 });
    const reason = await aborted(ctx.signal);
    expect(reason).toBeInstanceOf(RequestDeadlineError);
    expect(reason).toMatchObject({ code: 'REQUEST_DEADLINE', message: 'request deadline of 0.01s passed' });
  });

  it('takes the engine’s deadline when given none, and still hears its signal', async () => {
    vi.useFakeTimers();
    const { engine } = await setup({ requestTimeout: 5 });
    const controller = new AbortController();
    const ctx = createScanContext(engine, new Request(), [], { signal: controller.signal });
    vi.advanceTimersByTime(4_999);
    expect(ctx.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(ctx.signal.reason).toBeInstanceOf(RequestDeadlineError);

    const early = createScanContext(engine, new Request(), [], { signal: controller.signal });
    controller.abort(new Error('stop'));
    expect((early.signal.reason as Error).message).toBe('stop');
  });

  it('stops its deadline timer on dispose', async () => {
    vi.useFakeTimers();
    const { engine } = await setup();
    const ctx = createScanContext(engine, new Request(), [], { requestTimeout: 1 });
    ctx.dispose();
    vi.advanceTimersByTime(10_000);
    expect(ctx.signal.aborted).toBe(false);
  });

  it('runs its @example as written', async () => {
    const { engine } = await setup();
    const out = exampleConsole();
    await runExample(docExample('internal/scan-context.ts', 'createScanContext'), {
      engine,
      createScanContext,
      Request,
      Payload,
      from,
      extract,
      respond,
      console: out.console,
    });
    expect(await out.logged(1)).toEqual([[['hash']]]);
  });
});
