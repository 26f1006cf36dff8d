import { lastValueFrom, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Provider } from 'rxstoq';
import { acknowledge, connect, consume, Credits, ingest, scanItems } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import type { TallyProvider } from '../fixtures/operator-plugins/tally_provider/tally_provider.js';
import { docExample, runExample, setup } from './support.js';

/** One turn of the event loop: whatever was already resolvable has run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function tally(items: string[], extra: Parameters<typeof setup>[0] = {}) {
  const s = await setup({ ...extra, pluginOpts: { ...extra.pluginOpts, tally_provider: { items } } });
  const provider = (await s.manager.loadPlugin('tally_provider', 'provider')) as unknown as TallyProvider & Provider;
  return { ...s, provider };
}

describe('Credits', () => {
  it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %s, saying what it needs', (limit) => {
    expect(() => new Credits(limit)).toThrow(RangeError);
    expect(() => new Credits(limit)).toThrow(`Credits: limit must be a whole number of at least 1, got ${limit}`);
  });

  it('grants `limit` credits at once; the next acquire waits until one is released', async () => {
    const credits = new Credits(2);
    await credits.acquire();
    await credits.acquire();
    expect(credits.outstanding).toBe(2);
    let granted = false;
    const third = credits.acquire().then(() => (granted = true));
    await settle();
    expect(granted).toBe(false);
    credits.release();
    await third;
    expect(granted).toBe(true);
    expect(credits.outstanding).toBe(2);
  });

  it('gives up waiting when the signal aborts, without taking a credit', async () => {
    const credits = new Credits(1);
    await credits.acquire();
    const controller = new AbortController();
    const waiting = credits.acquire(controller.signal);
    controller.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    expect(credits.outstanding).toBe(1);
    credits.release();
    await credits.acquire();
    expect(credits.outstanding).toBe(1);
  });

  it('ignores a release with nothing outstanding: the limit still holds', async () => {
    const credits = new Credits(1);
    credits.release();
    credits.release();
    await credits.acquire();
    let granted = false;
    void credits.acquire().then(() => (granted = true));
    await settle();
    expect(granted).toBe(false);
    expect(credits.outstanding).toBe(1);
  });

  it('keeps a pulled provider from ever having more than `limit` items unacknowledged', async () => {
    const { engine, provider, plugin } = await tally(['a', 'b', 'c', 'd', 'e', 'f']);
    const gate = await plugin<Gate>('gate');
    const credits = new Credits(3);
    let taken = 0;
    let most = 0;
    let saturated!: () => void;
    const full = new Promise<void>((resolve) => (saturated = resolve));
    const run = lastValueFrom(
      ingest(engine, [provider], { signal: new AbortController().signal, demand: credits, log: engine.log }).pipe(
        tap(() => {
          taken++;
          // The provider hears of an item (onItemDone) before its credit is given back.
          most = Math.max(most, taken - provider.acks.length);
          if (taken - provider.acks.length === 3) saturated();
        }),
        scanItems(engine, { startDispatch: ['gate'] }),
        connect(engine),
        acknowledge(engine, credits),
        toArray(),
      ),
    );

    // Scans are held: the provider takes three items and must then wait.
    await full;
    await settle();
    expect(provider.emitted).toBe(3);
    for (let i = 0; i < 6; i++) (await gate.whenHeld(1))[0]!.open();
    const receipts = await run;

    expect(receipts.map((r) => r.ok)).toEqual([true, true, true, true, true, true]);
    expect(most).toBe(3);
    expect(provider.acks.map((a) => a.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('has no credit outstanding once a pulled provider has finished and its items are acknowledged', async () => {
    const { engine, provider } = await tally(['a', 'b']);
    const credits = new Credits(4);
    const receipts = await lastValueFrom(consume(engine, [provider], { credits }).pipe(toArray()));
    expect(receipts).toHaveLength(2);
    // pullFrom takes a credit before asking its source for the next item; when the source turns
    // out to be exhausted, that credit must come back.
    expect(credits.outstanding).toBe(0);
  });

  it('runs its @example as written', async () => {
    const { engine, provider } = await tally(['x', 'y', 'z']);
    await runExample(docExample('credits.ts', 'Credits'), {
      Credits,
      ingest,
      scanItems,
      connect,
      acknowledge,
      engine,
      // The example's free names: the run's providers and settings.
      providers: [provider],
      signal: new AbortController().signal,
      log: engine.log,
      maxQueue: 2,
      consumers: 1,
    });
    const acks = await provider.whenAcked(3);
    expect(acks.map((a) => [a.index, a.outcome])).toEqual([
      [0, { ok: true }],
      [1, { ok: true }],
      [2, { ok: true }],
    ]);
  });
});
