import { from, lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Payload, Request, RequestMeta, type ArchiverPlugin, type ProviderItem } from 'rxstoq';
import { acknowledge, connect, Credits, ingest, scanItems, type ScanItemsOptions } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import type { TallyProvider } from '../fixtures/operator-plugins/tally_provider/tally_provider.js';
import { tempDir } from '../helpers/tmp.js';
import { docExample, runExample, setup, type Setup } from './support.js';

const scanAll = (s: Setup, items: ProviderItem[], options: ScanItemsOptions = {}) => lastValueFrom(from(items).pipe(scanItems(s.engine, options), toArray()));

describe('scanItems', () => {
  it('scans each request an item becomes, one ScannedItem per item with every response', async () => {
    const s = await setup({ sourceArchivers: ['simple_archiver', 'filedir'], pluginOpts: { filedir: { archive_dir: tempDir() } } });
    const filedir = await s.plugin<ArchiverPlugin>('filedir');
    const stored = (await filedir.archive!(new Payload('from filedir'), new Request(), { signal: new AbortController().signal, log: s.engine.log })) as {
      results: { path: string };
    };
    (await s.plugin<{ PAYLOAD: string }>('simple_archiver')).PAYLOAD = 'from simple_archiver';
    const payload = new Payload('direct');
    const task = { simple_archiver: { id: 1 }, filedir: { path: stored.results.path } };

    const scanned = await scanAll(s, [payload, task], { startDispatch: ['hash'], requestMeta: new RequestMeta({ source: 'run' }) });

    expect(scanned.map((x) => x.item)).toEqual([payload, task]);
    expect(scanned.map((x) => x.errors)).toEqual([[], []]);
    expect(scanned[0]!.responses.map((r) => r.results[0]!.payload_id)).toEqual([payload.payload_id]);
    // One response per entry of the task, in the task's order.
    expect(scanned[1]!.responses.map((r) => r.results[0]!.payload_meta.extra_data)).toEqual([{ id: 1 }, { path: stored.results.path }]);
    for (const r of scanned.flatMap((x) => x.responses)) {
      expect(r.results[0]!.plugins_run.workers).toEqual(['hash']);
      expect(r.request_meta.source).toBe('run');
    }
    expect(new Set(scanned.flatMap((x) => x.responses.map((r) => r.scan_id))).size).toBe(3);
  });

  it('gives an item that becomes no request an error saying why', async () => {
    const s = await setup();
    const scanned = await scanAll(s, [{ nope: { id: 1 } }, {}]);
    expect(scanned.map((x) => [x.responses.length, x.errors])).toEqual([
      [0, ['"{"id":1}" failed with archiver "nope": no such source archiver is loaded']],
      [0, ['the item could not be turned into a request']],
    ]);
  });

  it('records an unexpected failure on the item and engine.failures; the next items are still scanned', async () => {
    const s = await setup();
    // Looks like a Request (payloads and request_meta) but is not one: scanning it throws.
    const broken = { payloads: 'not a list', request_meta: new RequestMeta() } as unknown as ProviderItem;
    const fine = new Payload('fine');
    const scanned = await scanAll(s, [broken, fine], { startDispatch: ['hash'] });

    expect(scanned.map((x) => x.item)).toEqual([broken, fine]);
    expect(scanned[0]!.responses).toEqual([]);
    expect(scanned[0]!.errors).toHaveLength(1);
    expect(scanned[0]!.errors[0]).toContain('TypeError');
    expect(s.failures).toEqual([{ stage: 'request', plugin_name: null, error: scanned[0]!.errors[0] }]);
    expect(scanned[1]!.errors).toEqual([]);
    expect(scanned[1]!.responses[0]!.results[0]!.plugins_run.workers).toEqual(['hash']);
  });

  it.each([
    [undefined, 1],
    [3, 3],
  ])('scans at most `concurrency` items at once (given %s: %s)', async (concurrency, expected) => {
    const s = await setup();
    const gate = await s.plugin<Gate>('gate');
    const items = ['a', 'b', 'c', 'd', 'e'].map((t) => new Payload(t));
    const done = scanAll(s, items, { startDispatch: ['gate'], concurrency });

    const first = await gate.whenHeld(expected);
    expect(first.map((c) => c.id)).toEqual(items.slice(0, expected).map((p) => p.payload_id));
    for (let i = 0; i < items.length; i++) (await gate.whenHeld(1))[0]!.open();
    const scanned = await done;

    expect(scanned).toHaveLength(5);
    expect(gate.maxInFlight).toBe(expected);
  });

  it('cancels the scans in flight when its signal aborts; the item is emitted with an error, so a queue delivers it again', async () => {
    const s = await setup();
    const gate = await s.plugin<Gate>('gate');
    const controller = new AbortController();
    const done = lastValueFrom(of(new Payload('slow')).pipe(scanItems(s.engine, { startDispatch: ['gate'], signal: controller.signal }), toArray()));
    await gate.whenHeld(1);
    controller.abort(new Error('grace period over'));
    const [scanned] = await done;

    expect(scanned!.responses).toHaveLength(1);
    const errors = scanned!.responses[0]!.errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ plugin_name: 'gate', code: 'SCAN_CANCELLED' });
    expect(errors[0]!.error).toContain('grace period over');
    expect(gate.held).toEqual([]);
    // Not done: acknowledge will report it as failed.
    expect(scanned!.errors).toEqual(['the scan was cancelled: grace period over']);
  });

  it('runs its @example as written', async () => {
    const s = await setup({ pluginOpts: { tally_provider: { items: ['one', 'two', 'three'] } } });
    const tally = (await s.manager.loadPlugin('tally_provider', 'provider')) as unknown as TallyProvider;
    const credits = new Credits(4);
    await runExample(docExample('scan-items.ts', 'scanItems'), {
      ingest,
      scanItems,
      connect,
      acknowledge,
      engine: s.engine,
      providers: [tally],
      context: { signal: new AbortController().signal, demand: credits, log: s.engine.log },
      credits,
    });
    expect((await tally.whenAcked(3)).map((a) => a.outcome.ok)).toEqual([true, true, true]);
  });
});
