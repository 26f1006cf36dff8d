import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Payload, PayloadMeta, Request, RequestMeta, withItemMeta, type ArchiverPlugin, type ProviderItem } from 'rxstoq';
import { Credits, ingest, toRequests } from 'rxstoq/operators';
import { tempDir } from '../helpers/tmp.js';
import { capturingLogger, docExample, exampleConsole, runExample, setup } from './support.js';

/** An engine whose source archiver is filedir over a temporary archive, holding one archived file. */
async function withArchive(extra: Parameters<typeof setup>[0] = {}) {
  const archiveDir = tempDir();
  const s = await setup({
    ...extra,
    sourceArchivers: ['filedir', ...(extra.sourceArchivers ?? [])],
    pluginOpts: { ...extra.pluginOpts, filedir: { archive_dir: archiveDir } },
  });
  const filedir = await s.plugin<ArchiverPlugin>('filedir');
  const stored = await filedir.archive!(new Payload('archived bytes'), new Request(), { signal: new AbortController().signal, log: s.engine.log });
  const path = (stored as { results: { path: string } }).results.path;
  return { ...s, archiveDir, path };
}

const requestsOf = (s: { engine: Parameters<typeof toRequests>[0] }, items: ProviderItem[], options: Parameters<typeof toRequests>[1] = {}) =>
  lastValueFrom(from(items).pipe(toRequests(s.engine, options), toArray()));

describe('toRequests', () => {
  it('makes a request of each payload, with its own copy of the given request metadata', async () => {
    const s = await setup();
    const meta = new RequestMeta({ source: 'tests', extra_data: { batch: { id: 7 } } });
    const [a, b] = [new Payload('a'), new Payload('b')];
    const requests = await requestsOf(s, [a, b], { requestMeta: meta });

    expect(requests.map((r) => r.payloads)).toEqual([[a], [b]]);
    expect(requests.map((r) => r.request_meta.source)).toEqual(['tests', 'tests']);
    (requests[0]!.request_meta.extra_data['batch'] as { id: number }).id = 8;
    expect(requests[1]!.request_meta.extra_data).toEqual({ batch: { id: 7 } });
    expect(meta.extra_data).toEqual({ batch: { id: 7 } });
  });

  it('passes a request on, keeping its metadata unless it is all defaults', async () => {
    const s = await setup();
    const own = new Request({ payloads: [new Payload('own')], request_meta: new RequestMeta({ source: 'provider' }) });
    const plain = new Request({ payloads: [new Payload('plain')] });
    const requests = await requestsOf(s, [own, plain], { requestMeta: new RequestMeta({ source: 'run' }) });
    expect(requests).toEqual([own, plain]);
    expect(requests[0]).toBe(own);
    expect(own.request_meta.source).toBe('provider');
    expect(plain.request_meta.source).toBe('run');
  });

  it('fetches a task’s payload through the source archiver it names', async () => {
    const { engine, path } = await withArchive();
    const [request] = await requestsOf({ engine }, [{ filedir: { path, note: 'from a queue' } }], { requestMeta: new RequestMeta({ source: 'run' }) });
    expect(request!.payloads.map((p) => p.content.toString())).toEqual(['archived bytes']);
    expect(request!.payloads[0]!.payload_meta.extra_data).toEqual({ path, note: 'from a queue' });
    expect(request!.request_meta.source).toBe('run');
  });

  it('gives a task’s request the metadata the task carries (withItemMeta), merged over the archiver’s', async () => {
    const { engine, path } = await withArchive();
    const task = withItemMeta(
      { filedir: { path } },
      {
        request_meta: new RequestMeta({ source: 'queue entry 1-0' }),
        payload_meta: new PayloadMeta({ should_archive: false, dispatch_to: ['hash'], extra_data: { entry: '1-0' } }),
      },
    );
    const [request] = await requestsOf({ engine }, [task], { requestMeta: new RequestMeta({ source: 'run' }) });
    const meta = request!.payloads[0]!.payload_meta;
    expect(request!.request_meta.source).toBe('queue entry 1-0');
    expect(meta.extra_data).toEqual({ path, entry: '1-0' });
    expect(meta.should_archive).toBe(false);
    expect(meta.dispatch_to).toEqual(['hash']);
  });

  it('makes one request per entry of a task', async () => {
    const { engine, path } = await withArchive({ sourceArchivers: ['simple_archiver'] });
    const simple = engine.sourceArchivers.get('simple_archiver') as unknown as { PAYLOAD: string };
    simple.PAYLOAD = 'from simple_archiver';
    const requests = await requestsOf({ engine }, [{ filedir: { path }, simple_archiver: { id: 1 } }]);
    expect(requests.map((r) => r.payloads[0]!.content.toString())).toEqual(['archived bytes', 'from simple_archiver']);
  });

  it('reports a task naming an archiver that is not loaded, with a clear message, on engine.failures, the errors sink and the log; the task’s other entries go on', async () => {
    const { log, records } = capturingLogger();
    const { engine, failures, path } = await withArchive({ log });
    const errors: string[] = [];
    const requests = await requestsOf({ engine }, [{ nope: { id: 'x1' }, filedir: { path } }], { errors });

    const message = '"{"id":"x1"}" failed with archiver "nope": no such source archiver is loaded';
    expect(requests.map((r) => r.payloads[0]!.content.toString())).toEqual(['archived bytes']);
    expect(errors).toEqual([message]);
    expect(failures).toEqual([{ stage: 'task', plugin_name: 'nope', error: message }]);
    expect(
      records()
        .filter((r) => r.level === 40)
        .map((r) => [r['plugin'], r.msg]),
    ).toEqual([['nope', message]]);
  });

  it('reports an archiver that returns no payload, or fails, naming it and the task', async () => {
    const { engine, failures } = await withArchive({ sourceArchivers: ['dummy_archiver'] });
    const outside = join(tempDir(), 'elsewhere.txt');
    writeFileSync(outside, 'not archived');
    const errors: string[] = [];
    const requests = await requestsOf({ engine }, [{ dummy_archiver: { id: 1 } }, { filedir: { path: outside } }], { errors });
    expect(requests).toEqual([]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe('"{"id":1}" failed with archiver "dummy_archiver": it returned no payload');
    expect(errors[1]!.startsWith(`"{"path":"${outside}"}" failed with archiver "filedir": `)).toBe(true);
    expect(
      errors[1]!.endsWith(
        `StoqPluginException: filedir: refusing to read ${outside}: it is outside archive_dir ${realpathSync(engine.sourceArchivers.get('filedir')!.options['archive_dir'] as string)}`,
      ),
    ).toBe(true);
    expect(failures.map((f) => [f.stage, f.plugin_name])).toEqual([
      ['task', 'dummy_archiver'],
      ['task', 'filedir'],
    ]);
  });

  it('ignores an item that is not a payload, a request or a task, saying what it got', async () => {
    const s = await setup();
    const errors: string[] = [];
    const requests = await requestsOf(s, [42 as unknown as ProviderItem, [1, 2] as unknown as ProviderItem], { errors });
    expect(requests).toEqual([]);
    expect(errors).toEqual([
      'Provider item ignored: expected a Payload, a Request or an {archiver: meta} task, got number',
      'Provider item ignored: expected a Payload, a Request or an {archiver: meta} task, got an array',
    ]);
    expect(s.failures.map((f) => [f.stage, f.plugin_name])).toEqual([
      ['task', null],
      ['task', null],
    ]);
  });

  it('never errors the stream: items after a bad one still become requests', async () => {
    const s = await setup();
    const good = new Payload('good');
    const requests = await lastValueFrom(from<ProviderItem[]>([{ nope: {} }, good]).pipe(toRequests(s.engine), toArray()));
    expect(requests.map((r) => r.payloads[0])).toEqual([good]);
  });

  it('runs its @example as written', async () => {
    const { archiveDir, path } = await withArchive();
    const s = await setup({
      sourceArchivers: ['filedir'],
      pluginOpts: { filedir: { archive_dir: archiveDir }, tally_provider: { items: ['a payload', { filedir: { path } }] } },
    });
    const providers = [await s.manager.loadPlugin('tally_provider', 'provider')];
    const out = exampleConsole();
    await runExample(docExample('to-requests.ts', 'toRequests'), {
      ingest,
      toRequests,
      engine: s.engine,
      providers,
      context: { signal: new AbortController().signal, demand: new Credits(10), log: s.engine.log },
      console: out.console,
    });
    expect(await out.logged(2)).toEqual([[1], [1]]);
    expect(s.failures).toEqual([]);
  });
});
