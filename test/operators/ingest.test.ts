import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { IngestContext, Payload, Provider } from 'rxstoq';
import { Credits, ingest, toRequests, type Engine } from 'rxstoq/operators';
import type { TallyProvider } from '../fixtures/operator-plugins/tally_provider/tally_provider.js';
import { tempDir } from '../helpers/tmp.js';
import { capturingLogger, docExample, exampleConsole, runExample, setup, type Setup } from './support.js';

const context = (engine: Engine, demand = new Credits(100), signal = new AbortController().signal): IngestContext => ({ signal, demand, log: engine.log });
const provider = async (s: Setup, name: string) => (await s.manager.loadPlugin(name, 'provider')) as unknown as Provider & TallyProvider;
const texts = (items: unknown[]) => items.map((i) => (i as Payload).content.toString()).sort();

describe('ingest', () => {
  it('merges every provider’s items into one stream that completes when they all have', async () => {
    const s = await setup({ pluginOpts: { tally_provider: { items: ['a', 'b'] }, tally_provider_b: { items: ['c', 'd', 'e'] } } });
    const providers = [await provider(s, 'tally_provider'), await provider(s, 'tally_provider_b'), await provider(s, 'simple_provider2')];
    const items = await lastValueFrom(ingest(s.engine, providers, context(s.engine)).pipe(toArray()));
    expect(texts(items)).toEqual(['Important stuff', 'a', 'b', 'c', 'd', 'e']);
    expect(s.failures).toEqual([]);
  });

  it('reports a provider that throws on engine.failures and in the log; the others go on', async () => {
    const { log, records } = capturingLogger();
    const s = await setup({ log, pluginOpts: { tally_provider: { items: ['a', 'b'] }, tally_provider_b: { throw: 'cannot connect' } } });
    const providers = [await provider(s, 'tally_provider_b'), await provider(s, 'tally_provider')];

    const items = await lastValueFrom(ingest(s.engine, providers, context(s.engine)).pipe(toArray()));

    expect(texts(items)).toEqual(['a', 'b']);
    expect(s.failures).toHaveLength(1);
    expect(s.failures[0]).toMatchObject({ stage: 'provider', plugin_name: 'tally_provider_b' });
    expect(s.failures[0]!.error).toMatch(/^provider:failed to ingest: .*Error: cannot connect$/);
    expect(
      records()
        .filter((r) => r.level === 50)
        .map((r) => [r['plugin'], r.msg]),
    ).toEqual([['tally_provider_b', 'cannot connect']]);
  });

  it('keeps what a failing provider emitted before its stream errored', async () => {
    const s = await setup({ pluginOpts: { tally_provider: { items: ['a', 'b', 'c', 'd'], fail_at: 2 }, tally_provider_b: { items: ['x'] } } });
    const providers = [await provider(s, 'tally_provider'), await provider(s, 'tally_provider_b')];
    const items = await lastValueFrom(ingest(s.engine, providers, context(s.engine)).pipe(toArray()));
    expect(texts(items)).toEqual(['a', 'b', 'x']);
    expect(s.failures.map((f) => [f.stage, f.plugin_name])).toEqual([['provider', 'tally_provider']]);
    expect(s.failures[0]!.error).toContain('tally_provider failed at item 2');
  });

  it('completes when its signal aborts, even while providers wait for credits', async () => {
    const s = await setup({ pluginOpts: { tally_provider: { items: ['a', 'b', 'c'] } } });
    const controller = new AbortController();
    const tally = await provider(s, 'tally_provider');
    // One credit, never given back: the provider takes one item and then waits.
    const items = await lastValueFrom(
      ingest(s.engine, [tally], context(s.engine, new Credits(1), controller.signal)).pipe(
        tap(() => controller.abort(new Error('stop'))),
        toArray(),
      ),
    );
    expect(texts(items)).toEqual(['a']);
    expect(tally.emitted).toBe(1);
    expect(s.failures).toEqual([]);
  });

  it('runs its @example as written', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'one.txt'), 'one');
    writeFileSync(join(dir, 'in', 'two.txt'), 'two');
    const s = await setup({ pluginOpts: { filedir: { source_dir: join(dir, 'in') } } });
    const filedir = await s.manager.loadPlugin('filedir', 'provider');
    const out = exampleConsole();
    await runExample(docExample('ingest.ts', 'ingest'), { ingest, toRequests, engine: s.engine, filedir, context: context(s.engine), console: out.console });
    expect(await out.logged(2)).toEqual([[1], [1]]);
  });
});
