import { mkdirSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Provider } from 'rxstoq';
import { consume, Credits, type ItemReceipt } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import type { TallyProvider } from '../fixtures/operator-plugins/tally_provider/tally_provider.js';
import { tempDir } from '../helpers/tmp.js';
import { docExample, exampleConsole, runExample, setup, type Setup } from './support.js';

type Tally = TallyProvider & Provider;
const providers = (s: Setup, ...names: string[]) => Promise.all(names.map(async (n) => (await s.manager.loadPlugin(n, 'provider')) as unknown as Tally));
/** Result files the filedir connector has published (its temporary files are hidden). */
const resultFiles = (dir: string) => readdirSync(dir).filter((f) => !f.startsWith('.'));

describe('consume', () => {
  it('scans, saves and acknowledges every item of every provider exactly once, and completes when they have', async () => {
    const results = tempDir();
    const s = await setup({
      connectors: ['filedir'],
      pluginOpts: {
        filedir: { results_dir: results },
        tally_provider: { items: ['a', { nope: { id: 1 } }, 'c'] },
        tally_provider_b: { items: ['x', 'y'] },
      },
    });
    const [tally, tallyB] = await providers(s, 'tally_provider', 'tally_provider_b');

    const receipts = await lastValueFrom(
      consume(s.engine, [tally!, tallyB!], { startDispatch: ['hash'], credits: new Credits(3), concurrency: 2 }).pipe(toArray()),
    );

    expect(receipts).toHaveLength(5);
    expect(tally!.acks.sort((p, q) => p.index - q.index)).toEqual([
      { index: 0, outcome: { ok: true } },
      { index: 1, outcome: { ok: false, error: '"{"id":1}" failed with archiver "nope": no such source archiver is loaded' } },
      { index: 2, outcome: { ok: true } },
    ]);
    expect(tallyB!.acks.map((a) => a.outcome.ok)).toEqual([true, true]);
    expect(receipts.filter((r) => r.ok).map((r) => r.responses)).toEqual([1, 1, 1, 1]);
    // Every response was saved, with the start dispatch applied.
    const files = resultFiles(results);
    expect(files).toHaveLength(4);
    for (const f of files) {
      const saved = JSON.parse(readFileSync(join(results, f), 'utf8')) as { results: Array<{ plugins_run: { workers: string[] } }> };
      expect(saved.results[0]!.plugins_run.workers).toEqual(['hash']);
    }
  });

  it('completes with several pulled providers sharing the default credits (one per consumer)', async () => {
    const s = await setup({ pluginOpts: { tally_provider: { items: ['a', 'b'] }, tally_provider_b: { items: ['c', 'd', 'e'] } } });
    const [tally, tallyB] = await providers(s, 'tally_provider', 'tally_provider_b');
    // A finished provider must give back the credit it took for the item that never came, or
    // the other provider waits for it forever.
    const receipts = await lastValueFrom(consume(s.engine, [tally!, tallyB!]).pipe(toArray()));
    expect(receipts).toHaveLength(5);
    expect([tally!.acks.length, tallyB!.acks.length]).toEqual([2, 3]);
  }, 10_000);

  it('acknowledges an item only once every connector has saved its results', async () => {
    const s = await setup({ connectors: ['gate'], pluginOpts: { tally_provider: { items: ['a'] } } });
    const [tally] = await providers(s, 'tally_provider');
    const gate = await s.plugin<Gate>('gate');
    const done = lastValueFrom(consume(s.engine, [tally!]).pipe(toArray()));

    const [save] = await gate.whenHeld(1);
    expect(save!.role).toBe('save');
    expect(tally!.acks).toEqual([]);
    save!.open();
    await done;
    expect(tally!.acks).toEqual([{ index: 0, outcome: { ok: true } }]);
  });

  it('on stop, reads no more items and lets the item in flight finish within the grace period', async () => {
    const s = await setup({ pluginOpts: { tally_provider: { items: ['a', 'b', 'c'] } } });
    const [tally] = await providers(s, 'tally_provider');
    const gate = await s.plugin<Gate>('gate');
    const controller = new AbortController();
    const done = lastValueFrom(consume(s.engine, [tally!], { startDispatch: ['gate'], signal: controller.signal, graceSeconds: 60 }).pipe(toArray()));

    const [scan] = await gate.whenHeld(1);
    controller.abort(new Error('SIGTERM'));
    scan!.open();
    const receipts = await done;

    expect(tally!.emitted).toBe(1);
    expect(receipts.map((r) => [r.ok, r.responses])).toEqual([[true, 1]]);
    expect(tally!.acks).toEqual([{ index: 0, outcome: { ok: true } }]);
  });

  it('on stop, cancels a scan still running when the grace period ends; the item is still acknowledged once', async () => {
    const results = tempDir();
    const s = await setup({ connectors: ['filedir'], pluginOpts: { filedir: { results_dir: results }, tally_provider: { items: ['a', 'b'] } } });
    const [tally] = await providers(s, 'tally_provider');
    const gate = await s.plugin<Gate>('gate');
    const controller = new AbortController();
    const done = lastValueFrom(consume(s.engine, [tally!], { startDispatch: ['gate'], signal: controller.signal, graceSeconds: 0.02 }).pipe(toArray()));

    await gate.whenHeld(1);
    controller.abort(new Error('SIGTERM'));
    const receipts: ItemReceipt[] = await done;

    expect(tally!.emitted).toBe(1);
    expect(receipts).toHaveLength(1);
    expect(tally!.acks.map((a) => a.index)).toEqual([0]);
    // The cancelled scan's response was saved, saying why it is incomplete.
    const [file] = resultFiles(results);
    const saved = JSON.parse(readFileSync(join(results, file!), 'utf8')) as { errors: Array<{ plugin_name: string; error: string }> };
    expect(saved.errors.map((e) => e.plugin_name)).toEqual(['gate']);
    expect(saved.errors[0]!.error).toContain('shutdown grace period expired');
  });

  it('runs its @example as written (stoq run -P filedir -C filedir)', async () => {
    const dir = tempDir();
    const [source, results] = [join(dir, 'in'), join(dir, 'results')];
    mkdirSync(source);
    mkdirSync(results);
    for (const name of ['one', 'two', 'three']) writeFileSync(join(source, name), `${name}\n`);
    const s = await setup({ connectors: ['filedir'], pluginOpts: { filedir: { source_dir: source, results_dir: results } } });
    const filedir = await s.manager.loadPlugin('filedir', 'provider');
    const out = exampleConsole();
    const saved = new Promise<string[]>((resolve) => {
      const watcher = watch(results, () => {
        const files = resultFiles(results);
        if (files.length < 3) return;
        watcher.close();
        resolve(files);
      });
    });

    await runExample(docExample('consume.ts', 'consume'), { consume, Credits, engine: s.engine, filedir, console: out.console });

    const files = await saved;
    const filenames = files.map(
      (f) =>
        (JSON.parse(readFileSync(join(results, f), 'utf8')) as { results: Array<{ payload_meta: { extra_data: { filename: string } } }> }).results[0]!
          .payload_meta.extra_data.filename,
    );
    expect(filenames.sort()).toEqual(['one', 'three', 'two']);
    expect(out.errors).toEqual([]);
  });
});
