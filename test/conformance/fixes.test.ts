/**
 * The upstream weaknesses rxstoq fixes (docs/upstream-differences.md), each checked through the
 * public API. Test names carry the id (UD-nn) of the difference they pin down.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { of } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DecoratorResponse, Payload, Request, RequestMeta, Stoq, StoqError, StoqPluginException, StoqResponse } from 'rxstoq';
import type { Failure } from 'rxstoq/operators';
import type { DummyConnector } from '../fixtures/data/plugins/connector/dummy_connector/dummy_connector.js';
import type { DummyDecorator } from '../fixtures/data/plugins/decorator/dummy_decorator/dummy_decorator.js';
import type { SimpleDecorator } from '../fixtures/data/plugins/decorator/simple_decorator/simple_decorator.js';
import type { SimpleDispatcher } from '../fixtures/data/plugins/dispatcher/simple_dispatcher/simple_dispatcher.js';
import type { RequestProvider } from '../fixtures/data/plugins/provider/request_provider/request_provider.js';
import type { SimpleProvider } from '../fixtures/data/plugins/provider/simple_provider/simple_provider.js';
import type { ConfigurableWorker } from '../fixtures/data/plugins/worker/configurable_worker/configurable_worker.js';
import type { DummyWorker } from '../fixtures/data/plugins/worker/dummy_worker/dummy_worker.js';
import type { ExtractPayload } from '../fixtures/data/plugins/worker/extract_payload/extract_payload.js';
import type { MultiClassPlugin } from '../fixtures/data/plugins/worker/multiclass_plugin/multiclass_plugin.js';
import type { SimpleWorker } from '../fixtures/data/plugins/worker/simple_worker/simple_worker.js';
import { stoq } from '../helpers/cli.js';
import { DATA_DIR, GENERIC_CONTENT, LEVEL, LogCapture, makeStoq, plugin, PLUGINS_DIR } from './support.js';

const temps: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rxstoq-fixes-'));
  temps.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('upstream differences: error handling and data loss', () => {
  it('UD-01 a connector failure reaches the caller: failures$, the response errors and the run summary', async () => {
    const s = await makeStoq({ connectors: ['dummy_connector'], providers: ['simple_provider'] });
    vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save').mockRejectedValue(new Error('Unexpected exception'));
    const seen: Failure[] = [];
    const sub = s.failures$.subscribe((f) => seen.push(f));
    const response = await s.scan(GENERIC_CONTENT);
    sub.unsubscribe();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ stage: 'connector', plugin_name: 'dummy_connector', scan_id: response.scan_id });
    expect(seen[0]!.error).toContain('Unexpected exception');
    const last = response.errors.at(-1)!;
    expect(last).toBeInstanceOf(StoqError);
    expect(last.plugin_name).toBe('dummy_connector');
    expect(last.code).toBe('CONNECTOR_FAILED');

    const summary = await s.run();
    expect(summary.responses).toBe(1);
    expect(summary.failures.map((f) => [f.stage, f.plugin_name])).toEqual([['connector', 'dummy_connector']]);
  });

  it('UD-08 a dispatcher asked again after workers ran reports each of its errors once', async () => {
    const s = await makeStoq({ dispatchers: ['simple_dispatcher'] });
    const dispatcher = await plugin<SimpleDispatcher>(s, 'simple_dispatcher');
    dispatcher.RETURN_ERRORS = true;
    dispatcher.WORKERS = ['dummy_worker'];
    const calls = vi.spyOn(dispatcher, 'getDispatches');
    const response = await s.scan(GENERIC_CONTENT);
    // asked before and after dummy_worker ran, yet one error
    expect(calls.mock.calls.length).toBe(2);
    expect(response.errors.map((e) => e.error)).toEqual(['Test error please ignore']);
    expect(response.results[0]!.plugins_run.workers).toEqual(['dummy_worker']);
  });

  it('UD-02 + UD-06 DispatcherResponse.errors land in the response, plain strings normalised to Error objects', async () => {
    const s = await makeStoq({ dispatchers: ['simple_dispatcher'] });
    const dispatcher = await plugin<SimpleDispatcher>(s, 'simple_dispatcher');
    dispatcher.RETURN_ERRORS = true;
    dispatcher.WORKERS = [];
    const response = await s.scan(GENERIC_CONTENT);
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]).toBeInstanceOf(StoqError);
    expect(JSON.parse(JSON.stringify(response)).errors).toEqual([{ error: 'Test error please ignore', plugin_name: null, payload_id: null }]);
  });

  it('UD-06 + UD-34 string errors returned by a worker get the uniform Error shape, naming the worker and payload', async () => {
    const s = await makeStoq();
    (await plugin<MultiClassPlugin>(s, 'multiclass_plugin')).RETURN_ERRORS = true;
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['multiclass_plugin'] });
    expect(response.errors.every((e) => e instanceof StoqError)).toBe(true);
    expect(JSON.parse(JSON.stringify(response)).errors).toEqual([
      { error: 'Test error please ignore', plugin_name: 'multiclass_plugin', payload_id: response.results[0]!.payload_id },
    ]);
  });

  it('UD-03 a dependent whose required worker cannot load gets an error of its own', async () => {
    const s = await makeStoq();
    (await plugin<SimpleWorker>(s, 'simple_worker')).requiredWorkers.add('this_plugin_doesnt_exist');
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(response.results[0]!.plugins_run.workers).toEqual([]);
    const byPlugin = Object.fromEntries(response.errors.map((e) => [e.plugin_name, e]));
    expect(Object.keys(byPlugin).sort()).toEqual(['simple_worker', 'this_plugin_doesnt_exist']);
    expect(byPlugin['this_plugin_doesnt_exist']!.error).toMatch(/^Worker plugin this_plugin_doesnt_exist failed to load/);
    expect(byPlugin['simple_worker']!.error).toContain('did not run');
    expect(byPlugin['simple_worker']!.payload_id).toBe(response.results[0]!.payload_id);
  });

  it('UD-04 dispatching to a plugin that is not a worker gives an Error; the rest of the scan goes on', async () => {
    const s = await makeStoq();
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['dummy_connector', 'simple_worker'] });
    expect(response.results[0]!.plugins_run.workers).toEqual(['simple_worker']);
    expect(response.results).toHaveLength(2);
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.plugin_name).toBe('dummy_connector');
    expect(response.errors[0]!.error).toMatch(/^Worker plugin dummy_connector failed to load: /);
    expect(response.errors[0]!.error).toContain('cannot be used as a worker');
  });

  it('UD-04 a worker returning something that is not a WorkerResponse gives an Error, not a crash', async () => {
    const s = await makeStoq();
    vi.spyOn(await plugin<DummyWorker>(s, 'dummy_worker'), 'scan').mockResolvedValue(42 as never);
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['dummy_worker', 'simple_worker'] });
    expect(response.results[0]!.plugins_run.workers).toEqual(['dummy_worker', 'simple_worker']);
    expect(response.results[0]!.workers).toHaveProperty('simple_worker');
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.error).toMatch(/^worker:failed to scan: /);
    expect(response.errors[0]!.code).toBe('INVALID_RESPONSE');
    expect(response.errors[0]!.plugin_name).toBe('dummy_worker');
  });

  it('UD-04 + UD-24 roles are validated when plugins load', async () => {
    await expect(makeStoq({ dispatchers: ['dummy_worker'] })).rejects.toBeInstanceOf(StoqPluginException);
    await expect(makeStoq({ connectors: ['simple_worker'] })).rejects.toThrow('cannot be used as a connector');
    await expect(makeStoq({ providers: ['dummy_connector'] })).rejects.toThrow('cannot be used as a provider');
  });
});

describe('UD-05 provider mode never hangs or dies', () => {
  it('a str task is recorded as a failure and the run ends', async () => {
    const s = await makeStoq({ providers: ['simple_provider', 'simple_provider2'], connectors: ['dummy_connector'] });
    vi.spyOn(await plugin<SimpleProvider>(s, 'simple_provider'), 'ingest').mockReturnValue(
      of('a string task') as unknown as ReturnType<SimpleProvider['ingest']>,
    );
    const save = vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save');
    const summary = await s.run();
    expect(summary.items).toBe(2);
    expect(summary.responses).toBe(1);
    expect(save).toHaveBeenCalledTimes(1);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]).toMatchObject({ stage: 'task', plugin_name: null });
    expect(summary.failures[0]!.error).toContain('got string');
  });

  it('a provider exception is a failure; the other providers still deliver', async () => {
    const logs = new LogCapture();
    const s = await makeStoq({
      providers: ['simple_provider', 'simple_provider2'],
      connectors: ['dummy_connector'],
      logDestination: logs,
      logLevel: 'error',
    });
    (await plugin<SimpleProvider>(s, 'simple_provider')).RAISE_EXCEPTION = true;
    const save = vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save');
    const summary = await s.run();
    expect(save).toHaveBeenCalledTimes(1);
    expect(summary.responses).toBe(1);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]).toMatchObject({ stage: 'provider', plugin_name: 'simple_provider' });
    expect(logs.at(LEVEL.error).map((r) => r.msg)).toEqual(['Test exception, please ignore']);
  });

  it('a Request with default meta and run() without requestMeta is scanned with default meta', async () => {
    const s = await makeStoq({ providers: ['request_provider'], connectors: ['dummy_connector'] });
    (await plugin<RequestProvider>(s, 'request_provider')).SPECIFY_REQUEST_META = false;
    const save = vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save');
    const summary = await s.run();
    expect(summary).toEqual({ items: 1, responses: 1, failures: [] });
    const saved = save.mock.lastCall![0];
    expect(saved.request_meta).toBeInstanceOf(RequestMeta);
    expect(saved.request_meta.isDefault()).toBe(true);
  });

  it('a worker that raises in run mode becomes an error in the saved response', async () => {
    const s = await makeStoq({ providers: ['simple_provider'], connectors: ['dummy_connector'], alwaysDispatch: ['simple_worker'] });
    (await plugin<SimpleWorker>(s, 'simple_worker')).RAISE_EXCEPTION = true;
    const save = vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save');
    const summary = await s.run();
    expect(summary).toEqual({ items: 1, responses: 1, failures: [] });
    expect(save.mock.lastCall![0].errors.map((e) => e.plugin_name)).toEqual(['simple_worker']);
  });
});

describe('upstream differences: scheduling', () => {
  it('UD-07 a worker starts as soon as its required workers have run, while a slower one is still busy', async () => {
    const s = await makeStoq();
    const simple = await plugin<SimpleWorker>(s, 'simple_worker');
    simple.requiredWorkers.add('dummy_worker');
    const extractor = await plugin<ExtractPayload>(s, 'extract_payload');
    let simpleStarted!: () => void;
    const started = new Promise<void>((resolve) => (simpleStarted = resolve));
    const runSimple = simple.scan.bind(simple);
    vi.spyOn(simple, 'scan').mockImplementation((p, r) => {
      simpleStarted();
      return runSimple(p, r);
    });
    // extract_payload, started alongside dummy_worker, finishes only once simple_worker has
    // started: behind a round barrier simple_worker would wait for it, and the scan never ends.
    const runExtractor = extractor.scan.bind(extractor);
    vi.spyOn(extractor as unknown as { scan: (p: Payload, r: Request) => Promise<unknown> }, 'scan').mockImplementation(async (p, r) => {
      await started;
      return runExtractor(p, r);
    });
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker', 'extract_payload'] });
    expect([...response.results[0]!.plugins_run.workers].sort()).toEqual(['dummy_worker', 'extract_payload', 'simple_worker']);
    expect(response.errors).toEqual([]);
  }, 10_000);
});

describe('UD-09 determinism', () => {
  for (const slow of ['simple_worker', 'extract_payload']) {
    it(`results and plugins_run do not depend on which worker finishes first (slow: ${slow})`, async () => {
      const s = await makeStoq();
      const simple = await plugin<SimpleWorker>(s, 'simple_worker');
      simple.EXTRACTED_PAYLOAD = 'from simple_worker';
      const extractor = await plugin<ExtractPayload>(s, 'extract_payload');
      extractor.EXTRACTED_PAYLOAD = 'from extract_payload';
      const target = (slow === 'simple_worker' ? simple : extractor) as unknown as {
        scan: (p: Payload, r: Request) => Promise<unknown>;
      };
      const original = target.scan.bind(target);
      vi.spyOn(target, 'scan').mockImplementation(async (p, r) => {
        await delay(30);
        return original(p, r);
      });
      const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker', 'extract_payload'] });
      expect(response.results[0]!.plugins_run.workers).toEqual(['extract_payload', 'simple_worker']);
      expect(response.results.slice(1).map((r) => r.extracted_by)).toEqual([['extract_payload'], ['simple_worker']]);
    });
  }
});

describe('upstream differences: dedup, reconstruction and split', () => {
  it('UD-10 dedup keeps extracted_from/extracted_by as sets without self-references', async () => {
    const s = await makeStoq({ alwaysDispatch: ['simple_worker'] });
    const response = await s.scan(GENERIC_CONTENT);
    const [root, lorem] = response.results;
    // simple_worker re-extracts "Lorem ipsum" from "Lorem ipsum": upstream listed the payload as
    // extracted from itself and by simple_worker twice.
    expect(lorem!.extracted_from).toEqual([root!.payload_id]);
    expect(lorem!.extracted_by).toEqual(['simple_worker']);
  });

  it('UD-10 the same content extracted twice from one parent lists that parent once', async () => {
    const s = await makeStoq();
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['multiclass_plugin', 'simple_worker'] });
    expect(response.results).toHaveLength(2);
    expect(response.results[1]!.extracted_from).toEqual([response.results[0]!.payload_id]);
    expect([...response.results[1]!.extracted_by].sort()).toEqual(['multiclass_plugin', 'simple_worker']);
  });

  it('UD-11 sub-responses hold each payload once and keep their errors', async () => {
    const s = await makeStoq({ alwaysDispatch: ['simple_worker'] });
    (await plugin<SimpleWorker>(s, 'simple_worker')).RETURN_ERRORS = true;
    const response = await s.scan(GENERIC_CONTENT);
    const [root, lorem] = response.results;
    expect(response.errors.map((e) => e.payload_id)).toEqual([root!.payload_id, lorem!.payload_id]);
    const subs: StoqResponse[] = [];
    for await (const sub of s.reconstructAllSubresponses(response)) subs.push(sub);
    expect(subs.map((r) => r.results.map((x) => x.payload_id))).toEqual([[root!.payload_id, lorem!.payload_id], [lorem!.payload_id]]);
    expect(subs.map((r) => r.errors.map((e) => e.payload_id))).toEqual([[root!.payload_id, lorem!.payload_id], [lorem!.payload_id]]);
  });

  it('UD-11 reconstruction does not assume parents come before children', async () => {
    const a = new Payload('a', undefined, { payloadId: 'A.zip' });
    const c = new Payload('c', undefined, { payloadId: 'C.zip', extractedFrom: 'A.zip', extractedBy: 'fake' });
    const d = new Payload('d', undefined, { payloadId: 'D.txt', extractedFrom: 'C.zip', extractedBy: 'fake' });
    const response = new StoqResponse({ request: new Request({ payloads: [d, c, a] }) });
    const s = await makeStoq();
    const subs: StoqResponse[] = [];
    for await (const sub of s.reconstructAllSubresponses(response)) subs.push(sub);
    expect(subs.map((r) => r.results.map((x) => x.payload_id).sort())).toEqual([['D.txt'], ['C.zip', 'D.txt'], ['A.zip', 'C.zip', 'D.txt']]);
  });

  it('UD-12 split() returns plain JSON, independent of the response', async () => {
    const s = await makeStoq();
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    const split = response.split();
    expect(split).toHaveLength(2);
    for (const entry of split) {
      expect(JSON.parse(JSON.stringify(entry))).toEqual(entry);
      const result = (entry.results as Array<Record<string, unknown>>)[0]!;
      expect(Object.getPrototypeOf(result['payload_meta'])).toBe(Object.prototype);
      expect(Object.getPrototypeOf(entry.request_meta)).toBe(Object.prototype);
    }
    ((split[0]!.results as Array<{ workers: Record<string, unknown> }>)[0]!.workers['simple_worker'] as Record<string, unknown>)['valuable_insight'] =
      'changed';
    expect(response.results[0]!.workers['simple_worker']).toEqual({ valuable_insight: 'wow' });
  });
});

describe('upstream differences: data model', () => {
  it("UD-13 a payload's size is its byte count ('é' is 2 bytes)", () => {
    const payload = new Payload('é');
    expect(payload.content.length).toBe(2);
    expect(payload.results.size).toBe(2);
  });

  it("UD-14 dispatcher metadata reaches the workers but stays out of the response (upstream's wire format)", async () => {
    const s = await makeStoq({ dispatchers: ['simple_dispatcher'] });
    const scan = vi.spyOn(await plugin<DummyWorker>(s, 'dummy_worker'), 'scan');
    const response = await s.scan(GENERIC_CONTENT);
    expect(scan.mock.lastCall![0].dispatch_meta).toEqual({ simple_dispatcher: { test_key: 'Useful metadata info' } });
    const wire = JSON.stringify(response);
    expect(wire).not.toContain('dispatch_meta');
    expect(wire).not.toContain('Useful metadata info');
  });

  it('UD-15 time is ISO-8601 UTC with an explicit offset', async () => {
    const s = await makeStoq();
    const before = Date.now();
    const response = await s.scan(GENERIC_CONTENT);
    const after = Date.now();
    expect(response.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    const t = Date.parse(response.time);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
  });
});

describe('upstream differences: configuration', () => {
  it('UD-17 explicit falsy arguments beat the config file (maxRecursion: 0, maxQueue: 0)', async () => {
    const s = await makeStoq({ maxRecursion: 0, maxQueue: 0 });
    expect(s.maxRecursion).toBe(0);
    expect(s.maxQueue).toBe(0);
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(response.results).toHaveLength(1);
    expect(response.results[0]!.plugins_run.workers).toEqual([]);
    expect(response.errors.map((e) => e.error)).toEqual(['Final worker round (0) reached, unable to process payload']);
  });

  it('UD-18 plugin options keep their types (lists, null, %)', async () => {
    const s = await makeStoq({
      pluginOpts: { configurable_worker: { a_list: ['x', 'y'], nothing: null, percent: '100%', nested: { k: [1, 2] } } },
    });
    const worker = await plugin<ConfigurableWorker>(s, 'configurable_worker');
    expect(worker.option('a_list')).toEqual(['x', 'y']);
    expect(worker.optionList('a_list')).toEqual(['x', 'y']);
    expect(worker.option('nothing', 'fallback')).toBe('fallback');
    expect(worker.option('percent')).toBe('100%');
    expect(worker.getjsonOption('nested')).toEqual({ k: [1, 2] });
  });

  it('UD-19 relative plugin dirs in the config resolve against the config file; no ./logs is created', async () => {
    const home = tempDir();
    writeFileSync(join(home, 'stoq.yaml'), `core:\n  plugin_dir_list: [${JSON.stringify(relative(home, PLUGINS_DIR))}]\n`);
    const elsewhere = tempDir();
    mkdirSync(join(elsewhere, 'work'));
    const cwd = process.cwd();
    process.chdir(join(elsewhere, 'work'));
    try {
      const s = await Stoq.create({ baseDir: home, logLevel: 'silent' });
      const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
      expect(response.errors).toEqual([]);
      expect(response.results[0]!.plugins_run.workers).toEqual(['simple_worker']);
      expect(readdirSync(process.cwd())).toEqual([]);
      expect(readdirSync(home)).toEqual(['stoq.yaml']);
    } finally {
      process.chdir(cwd);
    }
  });

  it('UD-20 empty always_dispatch entries are dropped', async () => {
    const s = await makeStoq({ alwaysDispatch: ['', ' simple_worker ', '   '] });
    expect(s.alwaysDispatch).toEqual(['simple_worker']);
    const response = await s.scan(GENERIC_CONTENT);
    expect(response.errors).toEqual([]);
    expect(response.results[0]!.plugins_run.workers).toEqual(['simple_worker']);
  });
});

describe('upstream differences: plugin loading', () => {
  it('UD-22 a module that subclasses an imported plugin class loads (only its exports are candidates)', async () => {
    const dir = join(tempDir(), 'reusing_worker');
    mkdirSync(dir);
    writeFileSync(join(dir, 'reusing_worker.stoq.yaml'), 'name: reusing_worker\nmodule: reusing_worker\n');
    const fixture = join(PLUGINS_DIR, 'worker', 'dummy_worker', 'dummy_worker.ts');
    // Upstream counted the imported DummyWorker as a second candidate: "Multiple possible plugin classes".
    writeFileSync(
      join(dir, 'reusing_worker.ts'),
      `import { DummyWorker } from ${JSON.stringify(fixture)};\nexport class ReusingWorker extends DummyWorker {}\n`,
    );
    const s = await makeStoq({ pluginDirList: [dirname(dir)] });
    const loaded = await s.loadPlugin('reusing_worker');
    expect(loaded.constructor.name).toBe('ReusingWorker');
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['reusing_worker'] });
    expect(response.errors).toEqual([]);
    expect(response.results[0]!.plugins_run.workers).toEqual(['reusing_worker']);
  });

  for (const created of [
    ['a_first', 'b_second'],
    ['b_second', 'a_first'],
  ]) {
    it(`UD-25 two plugins with one name in one directory: the one sorted last wins, with a warning (created ${created.join(', ')})`, async () => {
      const root = tempDir();
      for (const folder of created) {
        mkdirSync(join(root, folder));
        writeFileSync(join(root, folder, 'twin.stoq.yaml'), `name: twin\nmodule: twin\ndescription: ${folder}\n`);
        writeFileSync(join(root, folder, 'twin.js'), '');
      }
      const logs = new LogCapture();
      const s = await Stoq.create({ baseDir: DATA_DIR, pluginDirList: [root], logDestination: logs, logLevel: 'warn' });
      const twin = (await s.listPlugins())['twin']!;
      expect(twin.description).toBe('b_second');
      expect(twin.pluginDir).toBe(join(root, 'b_second'));
      expect(logs.at(LEVEL.warn).map((r) => r.msg)).toContain(`Plugin twin is defined twice in ${root}; using ${join(root, 'b_second', 'twin.stoq.yaml')}`);
    });
  }
});

describe('upstream differences: operations', () => {
  it('UD-27 several Stoq instances do not repeat each other’s log lines', async () => {
    const logs = new LogCapture();
    const options = { baseDir: DATA_DIR, logDestination: logs, logLevel: 'debug' };
    await Stoq.create(options);
    await Stoq.create(options);
    const s = await Stoq.create(options);
    await s.scan(GENERIC_CONTENT);
    expect(logs.records.filter((r) => r.msg === 'Request received')).toHaveLength(1);
  });

  it('UD-30 every request of a run gets its own copy of the run’s request_meta', async () => {
    const s = await makeStoq({ providers: ['simple_provider', 'simple_provider2'], connectors: ['dummy_connector'] });
    const save = vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save');
    const requestMeta = new RequestMeta({ source: 'run', extra_data: { shared: { n: 1 } } });
    await s.run({ requestMeta });
    const metas = save.mock.calls.map((c) => c[0].request_meta);
    expect(metas).toHaveLength(2);
    expect(metas[0]).not.toBe(metas[1]);
    expect(metas).not.toContain(requestMeta);
    expect(metas[0]!.extra_data['shared']).not.toBe(metas[1]!.extra_data['shared']);
    for (const m of metas) expect(m.toJSON()).toEqual(requestMeta.toJSON());
  });

  it('UD-28 stoq scan with a connector writes nothing to stdout', () => {
    const results = tempDir();
    const out = stoq(['scan', '-', '-a', 'hash', '-C', 'filedir', '--plugin-opts', `filedir:results_dir=${results}`], { input: 'x' });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toBe('');
    const saved = readdirSync(results);
    expect(saved).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(results, saved[0]!), 'utf8')).results[0].workers.hash.md5).toBe('9dd4e461268c8034f5c8564e155c67a6');
  });

  it('UD-28 stoq run without providers says so in one line, without a traceback', () => {
    const out = stoq(['run', '-a', 'hash']);
    expect(out.status).toBe(2);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toContain('No activated provider plugins');
    expect(out.stderr).not.toMatch(/^\s+at /m);
  });

  it("UD-29 decorators do not see each other's results, which land in configuration order", async () => {
    const s = await makeStoq({ decorators: ['dummy_decorator', 'simple_decorator'] });
    const seen: Record<string, unknown>[] = [];
    let simpleCalled!: () => void;
    const called = new Promise<void>((resolve) => (simpleCalled = resolve));
    // dummy_decorator finishes last: it waits until simple_decorator has been called.
    const dummy = (await plugin<DummyDecorator>(s, 'dummy_decorator')) as unknown as { decorate: (r: StoqResponse) => Promise<unknown> };
    vi.spyOn(dummy, 'decorate').mockImplementation(async (response) => {
      await called;
      // Let every pending callback run, so a result written as soon as it arrives would show here.
      await new Promise((resolve) => setImmediate(resolve));
      seen.push({ ...response.decorators });
      return new DecoratorResponse({ results: { late: true } });
    });
    const simple = await plugin<SimpleDecorator>(s, 'simple_decorator');
    const decorateSimple = simple.decorate.bind(simple);
    vi.spyOn(simple, 'decorate').mockImplementation((response) => {
      seen.push({ ...response.decorators });
      simpleCalled();
      return decorateSimple(response);
    });
    const response = await s.scan(GENERIC_CONTENT);
    expect(seen).toEqual([{}, {}]);
    expect(Object.keys(response.decorators)).toEqual(['dummy_decorator', 'simple_decorator']);
    expect(response.decorators).toEqual({ dummy_decorator: { late: true }, simple_decorator: { simple_decoration: 123 } });
  });
});
