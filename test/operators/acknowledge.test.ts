import { from, lastValueFrom, of, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { createLogger, onItemDone, Payload, pullFrom, Request, type ItemOutcome, type Provider } from 'rxstoq';
import { acknowledge, connect, Credits, ingest, scanItems, scanRequest, type ItemReceipt, type ScannedItem } from 'rxstoq/operators';
import type { TallyProvider } from '../fixtures/operator-plugins/tally_provider/tally_provider.js';
import { capturingLogger, docExample, runExample, setup } from './support.js';

/** The item as a pulled provider hands it over: through `pullFrom`, holding one of `credits`. */
async function pulled<T extends object>(credits: Credits, item: T): Promise<T> {
  return firstValueFrom(pullFrom({ signal: new AbortController().signal, demand: credits, log: createLogger({ level: 'silent' }) }, [item]));
}

/** A provider item that records every acknowledgement it gets. */
function trackedItem(text: string, callback?: (outcome: ItemOutcome) => void | Promise<void>) {
  const outcomes: ItemOutcome[] = [];
  const item = onItemDone(new Payload(text), (outcome) => {
    outcomes.push(outcome);
    return callback?.(outcome);
  });
  return { item, outcomes };
}

describe('acknowledge', () => {
  it('tells the provider once that an item went well, gives its credit back and emits a receipt', async () => {
    const s = await setup();
    const credits = new Credits(2);
    const { item, outcomes } = trackedItem('fine');
    await pulled(credits, item);
    expect(credits.outstanding).toBe(1);
    const response = await lastValueFrom(scanRequest(s.engine, new Request({ payloads: [item] }), ['hash']));

    const receipts = await lastValueFrom(of<ScannedItem>({ item, responses: [response], errors: [] }).pipe(acknowledge(s.engine, credits), toArray()));

    expect(outcomes).toEqual([{ ok: true }]);
    expect(receipts).toEqual([{ item, responses: 1, ok: true }]);
    expect(credits.outstanding).toBe(0);
  });

  it('tells the provider why an item failed: its errors, joined', async () => {
    const s = await setup();
    const credits = new Credits(1);
    const { item, outcomes } = trackedItem('unlucky');
    await pulled(credits, item);
    const errors = ['no such source archiver', 'connector:failed to save: disk full'];

    const [receipt] = await lastValueFrom(of<ScannedItem>({ item, responses: [], errors }).pipe(acknowledge(s.engine, credits), toArray()));

    const outcome = { ok: false, error: 'no such source archiver; connector:failed to save: disk full' };
    expect(outcomes).toEqual([outcome]);
    expect(receipt).toEqual({ item, responses: 0, ...outcome });
    expect(credits.outstanding).toBe(0);
  });

  it('emits the receipt only once the provider’s (asynchronous) callback has finished', async () => {
    const s = await setup();
    let finish!: () => void;
    const { item, outcomes } = trackedItem('slow ack', () => new Promise<void>((resolve) => (finish = resolve)));
    const receipts: ItemReceipt[] = [];
    const done = lastValueFrom(
      of<ScannedItem>({ item, responses: [], errors: [] }).pipe(
        acknowledge(s.engine),
        tap((r) => receipts.push(r)),
      ),
    );

    expect(outcomes).toEqual([{ ok: true }]);
    expect(receipts).toEqual([]);
    finish();
    await done;
    expect(receipts.map((r) => r.ok)).toEqual([true]);
  });

  it('logs a callback that fails, and still gives the credit back and emits the receipt; later items go on', async () => {
    const { log, records } = capturingLogger();
    const s = await setup({ log });
    const credits = new Credits(2);
    const bad = trackedItem('bad', () => {
      throw new Error('XACK refused');
    });
    const good = trackedItem('good');
    await pulled(credits, bad.item);
    await pulled(credits, good.item);
    expect(credits.outstanding).toBe(2);

    const receipts = await lastValueFrom(
      from<ScannedItem[]>([
        { item: bad.item, responses: [], errors: [] },
        { item: good.item, responses: [], errors: [] },
      ]).pipe(acknowledge(s.engine, credits), toArray()),
    );

    expect(receipts.map((r) => [r.item, r.ok])).toEqual([
      [bad.item, true],
      [good.item, true],
    ]);
    expect(bad.outcomes).toEqual([{ ok: true }]);
    expect(good.outcomes).toEqual([{ ok: true }]);
    expect(credits.outstanding).toBe(0);
    const failed = records().filter((r) => r.level === 50);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.msg).toMatch(/^Provider acknowledgement failed: .*Error: XACK refused$/);
  });

  it('acknowledges items without a callback too: receipt emitted, credit given back', async () => {
    const s = await setup();
    const credits = new Credits(1);
    const item = await pulled(credits, new Payload('nobody listens'));
    const receipts = await lastValueFrom(of<ScannedItem>({ item, responses: [], errors: [] }).pipe(acknowledge(s.engine, credits), toArray()));
    expect(receipts).toEqual([{ item, responses: 0, ok: true }]);
    expect(credits.outstanding).toBe(0);
  });

  it('gives no credit back for an item that took none (a provider that pushes)', async () => {
    const s = await setup();
    const credits = new Credits(2);
    const held = await pulled(credits, new Payload('pulled'));
    const pushed = new Payload('pushed');
    await lastValueFrom(of<ScannedItem>({ item: pushed, responses: [], errors: [] }).pipe(acknowledge(s.engine, credits)));
    expect(credits.outstanding).toBe(1);
    await lastValueFrom(of<ScannedItem>({ item: held, responses: [], errors: [] }).pipe(acknowledge(s.engine, credits)));
    expect(credits.outstanding).toBe(0);
  });

  it('runs its @example as written', async () => {
    const s = await setup({ pluginOpts: { tally_provider: { items: ['one', 'two'] } } });
    // Any pulled provider stands in for the example's Redis one.
    const redis = (await s.manager.loadPlugin('tally_provider', 'provider')) as unknown as TallyProvider & Provider;
    const credits = new Credits(2);
    await runExample(docExample('acknowledge.ts', 'acknowledge'), {
      ingest,
      scanItems,
      connect,
      acknowledge,
      engine: s.engine,
      redis,
      signal: new AbortController().signal,
      credits,
      log: s.engine.log,
    });
    const acks = await redis.whenAcked(2);
    expect(acks.map((a) => [a.index, a.outcome.ok])).toEqual([
      [0, true],
      [1, true],
    ]);
  });
});
