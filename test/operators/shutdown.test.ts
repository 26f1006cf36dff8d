import { finalize } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { acknowledge, connect, Credits, gracefulShutdown, ingest, scanItems } from 'rxstoq/operators';
import type { TallyProvider } from '../fixtures/operator-plugins/tally_provider/tally_provider.js';
import { docExample, runExample, setup } from './support.js';

const aborted = (signal: AbortSignal) => new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));

afterEach(() => {
  vi.useRealTimers();
});

describe('gracefulShutdown', () => {
  it('stops ingest the moment the signal aborts, with its reason; scans go on until the grace period ends', async () => {
    const controller = new AbortController();
    const stop = gracefulShutdown(controller.signal, 0.02);
    expect(stop.stopIngest.aborted).toBe(false);
    const reason = new Error('SIGTERM');
    const cancelled = aborted(stop.cancelScans);

    controller.abort(reason);

    expect(stop.stopIngest.aborted).toBe(true);
    expect(stop.stopIngest.reason).toBe(reason);
    expect(stop.cancelScans.aborted).toBe(false);
    expect(((await cancelled) as Error).message).toBe('shutdown grace period expired');
    stop.dispose();
  });

  it('cancels scans exactly graceSeconds after the stop (30 by default)', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const stop = gracefulShutdown(controller.signal);
    vi.advanceTimersByTime(60_000);
    expect(stop.cancelScans.aborted).toBe(false);
    controller.abort();
    vi.advanceTimersByTime(29_999);
    expect(stop.cancelScans.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(stop.cancelScans.aborted).toBe(true);
  });

  it('stops at once when the signal has already aborted', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    controller.abort(new Error('already stopping'));
    const stop = gracefulShutdown(controller.signal, 5);
    expect(stop.stopIngest.aborted).toBe(true);
    expect((stop.stopIngest.reason as Error).message).toBe('already stopping');
    vi.advanceTimersByTime(5_000);
    expect(stop.cancelScans.aborted).toBe(true);
  });

  it('never stops without a signal', () => {
    vi.useFakeTimers();
    const stop = gracefulShutdown(undefined, 0);
    vi.advanceTimersByTime(60_000);
    expect([stop.stopIngest.aborted, stop.cancelScans.aborted]).toEqual([false, false]);
    stop.dispose();
  });

  it('after dispose, neither an abort nor a pending grace timer does anything', () => {
    vi.useFakeTimers();
    const before = new AbortController();
    const idle = gracefulShutdown(before.signal, 1);
    idle.dispose();
    before.abort();
    expect(idle.stopIngest.aborted).toBe(false);

    const during = new AbortController();
    const stopping = gracefulShutdown(during.signal, 1);
    during.abort();
    stopping.dispose();
    vi.advanceTimersByTime(10_000);
    expect(stopping.stopIngest.aborted).toBe(true);
    expect(stopping.cancelScans.aborted).toBe(false);
  });

  it.each([-1, Number.NaN])('refuses a grace of %s seconds, saying what it needs', (grace) => {
    expect(() => gracefulShutdown(undefined, grace)).toThrow(RangeError);
    expect(() => gracefulShutdown(undefined, grace)).toThrow(`graceSeconds must be a number of seconds >= 0, got ${grace}`);
  });

  it('runs its @example as written', async () => {
    const s = await setup({ pluginOpts: { tally_provider: { items: ['one', 'two'] } } });
    const tally = (await s.manager.loadPlugin('tally_provider', 'provider')) as unknown as TallyProvider;
    const controller = new AbortController();
    await runExample(docExample('shutdown.ts', 'gracefulShutdown'), {
      gracefulShutdown,
      ingest,
      scanItems,
      connect,
      acknowledge,
      finalize,
      controller,
      engine: s.engine,
      providers: [tally],
      credits: new Credits(2),
      log: s.engine.log,
    });
    expect((await tally.whenAcked(2)).map((a) => [a.index, a.outcome.ok])).toEqual([
      [0, true],
      [1, true],
    ]);
  });
});
