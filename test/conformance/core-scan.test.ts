/**
 * Port of upstream stoQ v3 `stoq/tests/test_core.py`: scanning, dispatching,
 * worker dependencies, extraction, dedup and recursion (tests 5-23, 29, 30, 33, 34, 38, 39).
 *
 * Where upstream left the order of `plugins_run.workers` open (assertCountEqual), the port
 * orders it by dependency wave then name, so these tests pin the exact order.
 */
import { describe, expect, it, vi } from 'vitest';
import { Payload, Request, type StoqResponse } from 'rxstoq';
import type { DummyWorker } from '../fixtures/data/plugins/worker/dummy_worker/dummy_worker.js';
import type { ExtractPayload } from '../fixtures/data/plugins/worker/extract_payload/extract_payload.js';
import type { MultiClassPlugin } from '../fixtures/data/plugins/worker/multiclass_plugin/multiclass_plugin.js';
import type { SimpleWorker } from '../fixtures/data/plugins/worker/simple_worker/simple_worker.js';
import type { ConditionalDispatcher } from '../fixtures/data/plugins/dispatcher/conditional_dispatcher/conditional_dispatcher.js';
import type { SimpleDispatcher } from '../fixtures/data/plugins/dispatcher/simple_dispatcher/simple_dispatcher.js';
import { GENERIC_CONTENT, makeStoq, plugin } from './support.js';

const workersRun = (response: StoqResponse, i: number) => response.results[i]!.plugins_run.workers;

/** A worker's `scan` gets (payload, request, ctx): upstream's two arguments plus our call context. */
function expectScanArgs(args: unknown[]) {
  expect(args).toHaveLength(3);
  expect(args[0]).toBeInstanceOf(Payload);
  expect(args[1]).toBeInstanceOf(Request);
  expect((args[2] as { signal: unknown }).signal).toBeInstanceOf(AbortSignal);
}

describe('core scan (upstream test_core.py)', () => {
  it('5 test_scan', async () => {
    const s = await makeStoq();
    const response = await s.scan(GENERIC_CONTENT);
    expect(response.results).toHaveLength(1);
    expect(response.results[0]!.size).toBe(19);
  });

  it('6 test_split_results', async () => {
    const s = await makeStoq();
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['multiclass_plugin', 'simple_worker'] });
    const split = response.split();
    // Upstream gave 2 entries: it dropped the extracted "Lorem ipsum" payload because no worker
    // ran on it. Since the UD-12 fix, that payload keeps one entry with empty `workers`.
    expect(split).toHaveLength(3);
    const withWorkers = split.filter((e) => Object.keys((e.results as Array<{ workers: object }>)[0]!.workers).length > 0);
    expect(withWorkers).toHaveLength(2);
    const names = withWorkers.map((e) => {
      const results = e.results as Array<{ workers: Record<string, unknown> }>;
      expect(results).toHaveLength(1);
      const keys = Object.keys(results[0]!.workers);
      expect(keys).toHaveLength(1);
      return keys[0];
    });
    expect(names.sort()).toEqual(['multiclass_plugin', 'simple_worker']);
    const bare = split.find((e) => !withWorkers.includes(e))!;
    const bareResult = (bare.results as Array<{ payload_id: string; workers: object }>)[0]!;
    expect(bareResult.payload_id).toBe(response.results[1]!.payload_id);
    expect(bareResult.workers).toEqual({});
  });

  it('7 test_worker_should_scan', async () => {
    const s = await makeStoq();
    const worker = await plugin<SimpleWorker>(s, 'simple_worker');
    worker.SHOULD_SCAN = false;
    worker.EXTRACTED_DISPATCH_TO = ['dummy_worker'];
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(workersRun(response, 0)[0]).toBe('simple_worker');
    expect(response.results).toHaveLength(2);
    expect(workersRun(response, 1)).not.toContain('dummy_worker');
  });

  it('8 test_always_dispatch', async () => {
    const s = await makeStoq({ alwaysDispatch: ['simple_worker'] });
    const response = await s.scan(GENERIC_CONTENT);
    expect(s.loadedPlugins.has('simple_worker')).toBe(true);
    expect(workersRun(response, 0)).toContain('simple_worker');
    expect(workersRun(response, 1)).toContain('simple_worker');
  });

  it('9 test_start_dispatch', async () => {
    const s = await makeStoq();
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['extract_payload'] });
    expect(workersRun(response, 0)).toContain('extract_payload');
    expect(workersRun(response, 1)).not.toContain('extract_payload');
  });

  it('10 test_dispatch', async () => {
    const s = await makeStoq({ dispatchers: ['simple_dispatcher'] });
    const dummy = await plugin<DummyWorker>(s, 'dummy_worker');
    const scan = vi.spyOn(dummy, 'scan').mockResolvedValue(undefined);
    const response = await s.scan(GENERIC_CONTENT);
    expect(scan).toHaveBeenCalled();
    const args = scan.mock.lastCall!;
    expectScanArgs(args);
    expect(args[0].dispatch_meta['simple_dispatcher']).toEqual({ test_key: 'Useful metadata info' });
    expect(workersRun(response, 0)).toContain('dummy_worker');
  });

  it('11 test_dispatcher_exception', async () => {
    // Upstream's test was vacuous (it called get_dispatches with an undefined name). Here the
    // raising dispatcher goes through the engine: the scan completes with its error recorded.
    const s = await makeStoq({ dispatchers: ['simple_dispatcher'] });
    const dispatcher = await plugin<SimpleDispatcher>(s, 'simple_dispatcher');
    dispatcher.RAISE_EXCEPTION = true;
    const payload = new Payload(GENERIC_CONTENT);
    expect(() => dispatcher.getDispatches(payload, new Request({ payloads: [payload] }))).toThrow('Test exception please ignore');
    const response = await s.scan(GENERIC_CONTENT);
    expect(response.errors).toHaveLength(1);
    const error = response.errors[0]!;
    expect(error.error).toMatch(/^dispatcher:failed to dispatch: /);
    expect(error.error).toContain('Test exception please ignore');
    expect(error.plugin_name).toBe('simple_dispatcher');
    expect(error.payload_id).toBe(response.results[0]!.payload_id);
    expect(workersRun(response, 0)).toEqual([]);
  });

  it('12 test_conditional_dispatch', async () => {
    const s = await makeStoq({ dispatchers: ['conditional_dispatcher'] });
    await plugin<ConditionalDispatcher>(s, 'conditional_dispatcher');
    const simple = await plugin<SimpleWorker>(s, 'simple_worker');
    const scan = vi.spyOn(simple, 'scan').mockResolvedValue(undefined as never);
    let response = await s.scan(GENERIC_CONTENT);
    expect(workersRun(response, 0)).not.toContain('simple_worker');
    expect(scan).not.toHaveBeenCalled();
    // dummy_worker runs first; the dispatcher, asked again once it has, then picks simple_worker.
    response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['dummy_worker'] });
    expect(workersRun(response, 0)).toContain('simple_worker');
    expect(scan).toHaveBeenCalledTimes(1);
  });

  it('13 test_dispatch_duplicate', async () => {
    const s = await makeStoq({ dispatchers: ['simple_dispatcher'] });
    const dispatcher = await plugin<SimpleDispatcher>(s, 'simple_dispatcher');
    dispatcher.WORKERS = ['simple_worker', 'simple_worker'];
    const simple = await plugin<SimpleWorker>(s, 'simple_worker');
    const scan = vi.spyOn(simple, 'scan').mockResolvedValue(undefined as never);
    await s.scan(GENERIC_CONTENT);
    expect(scan).toHaveBeenCalledTimes(1);
    expectScanArgs(scan.mock.lastCall!);
  });

  it('14 test_dispatch_from_worker', async () => {
    const s = await makeStoq();
    const worker = await plugin<SimpleWorker>(s, 'simple_worker');
    worker.EXTRACTED_DISPATCH_TO = ['extract_payload'];
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(response.results).toHaveLength(3);
    expect(workersRun(response, 0)[0]).toBe('simple_worker');
    expect(workersRun(response, 1)[0]).toBe('extract_payload');
    expect(response.results[2]!.extracted_by).toContain('extract_payload');
  });

  it('15 test_additional_dispatch_from_worker', async () => {
    const s = await makeStoq();
    const worker = await plugin<SimpleWorker>(s, 'simple_worker');
    worker.ADDITIONAL_DISPATCH_TO = ['dummy_worker'];
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(response.results).toHaveLength(2);
    // dummy_worker was asked for by simple_worker, so it runs in the next wave.
    expect(workersRun(response, 0)).toEqual(['simple_worker', 'dummy_worker']);
    expect(workersRun(response, 1)).toHaveLength(0);
  });

  for (const [n, title, content] of [
    [16, 'test_dispatch_multiple_plugins', 'multi-plugin-content'],
    [17, 'test_dispatch_multiple_plugins2', 'again-multi-plugin-space-content'],
  ] as const) {
    it(`${n} ${title}`, async () => {
      const s = await makeStoq({ dispatchers: ['simple_dispatcher'] });
      const dispatcher = await plugin<SimpleDispatcher>(s, 'simple_dispatcher');
      dispatcher.WORKERS = ['simple_worker', 'dummy_worker'];
      const simpleScan = vi.spyOn(await plugin<SimpleWorker>(s, 'simple_worker'), 'scan').mockResolvedValue(undefined as never);
      const dummyScan = vi.spyOn(await plugin<DummyWorker>(s, 'dummy_worker'), 'scan').mockResolvedValue(undefined);
      await s.scan(Buffer.from(content));
      expect(simpleScan).toHaveBeenCalledTimes(1);
      expectScanArgs(simpleScan.mock.lastCall!);
      expect(dummyScan).toHaveBeenCalledTimes(1);
      expectScanArgs(dummyScan.mock.lastCall!);
    });
  }

  it('18 test_dispatch_nonexistent_plugin', async () => {
    const s = await makeStoq();
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['this_plugin_doesnt_exist'] });
    expect(workersRun(response, 0)).not.toContain('this_plugin_doesnt_exist');
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.error).toMatch(/^Worker plugin this_plugin_doesnt_exist failed to load: /);
    expect(response.errors[0]!.error).toContain('The plugin "this_plugin_doesnt_exist" is invalid or does not exist in your plugin path');
    expect(response.errors[0]!.plugin_name).toBe('this_plugin_doesnt_exist');
  });

  it('19 test_scan_with_required_plugin', async () => {
    const s = await makeStoq();
    const worker = await plugin<SimpleWorker>(s, 'simple_worker');
    worker.EXTRACTED_DISPATCH_TO = ['simple_worker'];
    worker.requiredWorkers.add('dummy_worker');
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(response.results).toHaveLength(2);
    expect(workersRun(response, 0)).toEqual(['dummy_worker', 'simple_worker']);
    expect(workersRun(response, 1)).toEqual(['dummy_worker', 'simple_worker']);
  });

  it('20 test_scan_with_duplicate_extracted_payloads', async () => {
    const s = await makeStoq();
    const duplicate = Buffer.concat([GENERIC_CONTENT, Buffer.from('more data')]);
    const worker = await plugin<SimpleWorker>(s, 'simple_worker');
    worker.EXTRACTED_DISPATCH_TO = ['extract_payload'];
    worker.EXTRACTED_PAYLOAD = duplicate;
    const extractor = await plugin<ExtractPayload>(s, 'extract_payload');
    extractor.EXTRACTED_PAYLOAD = duplicate;
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(response.results).toHaveLength(2);
    expect(workersRun(response, 0)[0]).toBe('simple_worker');
    expect(workersRun(response, 0)).not.toContain('extract_payload');
    expect(workersRun(response, 1)).not.toContain('simple_worker');
    expect(workersRun(response, 1)[0]).toBe('extract_payload');
    expect(response.results[1]!.extracted_by[0]).toBe('simple_worker');
    expect(response.results[1]!.extracted_by[1]).toBe('extract_payload');
    // UD-10 fix: extract_payload re-extracted the payload's own content; upstream then listed the
    // payload as extracted from itself. It now keeps only its real parent.
    expect(response.results[1]!.extracted_from).toEqual([response.results[0]!.payload_id]);
  });

  it('21 test_scan_with_nested_required_plugin', async () => {
    const s = await makeStoq();
    const simple = await plugin<SimpleWorker>(s, 'simple_worker');
    simple.EXTRACTED_DISPATCH_TO = ['simple_worker'];
    simple.requiredWorkers.add('dummy_worker');
    (await plugin<DummyWorker>(s, 'dummy_worker')).requiredWorkers.add('extract_payload');
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(response.results).toHaveLength(4);
    const chain = ['extract_payload', 'dummy_worker', 'simple_worker'];
    expect(workersRun(response, 0)).toEqual(chain);
    expect(response.results[1]!.extracted_by).toContain('extract_payload');
    expect(workersRun(response, 2)).toEqual(chain);
    expect(response.results[3]!.extracted_by).toContain('extract_payload');
  });

  it('22 test_scan_with_required_plugin_max_depth', async () => {
    const s = await makeStoq({ maxRequiredWorkerDepth: 1 });
    const simple = await plugin<SimpleWorker>(s, 'simple_worker');
    simple.EXTRACTED_DISPATCH_TO = ['simple_worker'];
    simple.requiredWorkers.add('dummy_worker');
    (await plugin<DummyWorker>(s, 'dummy_worker')).requiredWorkers.add('extract_payload');
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(response.results).toHaveLength(1);
    expect(response.errors[0]!.error).toContain('Max required plugin depth');
    expect(response.errors[0]!.plugin_name).toBe('simple_worker');
  });

  it('23 test_scan_with_required_plugin_circular_reference', async () => {
    const s = await makeStoq({ maxRequiredWorkerDepth: 2000 });
    (await plugin<SimpleWorker>(s, 'simple_worker')).requiredWorkers.add('dummy_worker');
    (await plugin<DummyWorker>(s, 'dummy_worker')).requiredWorkers.add('simple_worker');
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(response.results).toHaveLength(1);
    expect(response.errors[0]!.error).toContain('Circular');
  });

  it('29 test_worker_in_results', async () => {
    const s = await makeStoq();
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(response.results[0]!.workers).toHaveProperty('simple_worker');
    expect(response.results[0]!.workers['simple_worker']).toHaveProperty('valuable_insight');
    expect(response.errors).toHaveLength(0);
  });

  it('30 test_worker_not_in_results', async () => {
    const s = await makeStoq();
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['dummy_worker'] });
    expect(response.results[0]!.workers).not.toHaveProperty('dummy_worker');
    expect(workersRun(response, 0)).toContain('dummy_worker');
  });

  it('33 test_worker_exception', async () => {
    const s = await makeStoq();
    (await plugin<SimpleWorker>(s, 'simple_worker')).RAISE_EXCEPTION = true;
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(workersRun(response, 0)).toContain('simple_worker');
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.error).toContain('Test exception');
    expect(response.errors[0]!.error).toMatch(/^worker:failed to scan: /);
  });

  it('34 test_worker_errors', async () => {
    const s = await makeStoq();
    (await plugin<SimpleWorker>(s, 'simple_worker')).RETURN_ERRORS = true;
    const response = await s.scan(GENERIC_CONTENT, { addStartDispatch: ['simple_worker'] });
    expect(workersRun(response, 0)).toContain('simple_worker');
    expect(response.results[0]!.workers).toHaveProperty('simple_worker');
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.error).toContain('Test error');
  });

  it('38 test_max_recursion', async () => {
    const s = await makeStoq({ alwaysDispatch: ['extract_payload'] });
    const response = await s.scan(GENERIC_CONTENT);
    expect(s.maxRecursion).toBe(10);
    expect(response.results).toHaveLength(s.maxRecursion + 1);
    expect(response.errors[0]!.error).toContain('Final worker round');
    expect(response.errors[0]!.payload_id).toBe(response.results[s.maxRecursion]!.payload_id);
  });

  it('39 test_dedup', async () => {
    const s = await makeStoq({ alwaysDispatch: ['simple_worker'] });
    const response = await s.scan(GENERIC_CONTENT);
    expect(response.results).toHaveLength(2);
  });

  it('45 test_multiclass_plugin', async () => {
    const s = await makeStoq({ dispatchers: ['multiclass_plugin'] });
    const multi = await plugin<MultiClassPlugin>(s, 'multiclass_plugin');
    const scan = vi.spyOn(multi, 'scan').mockResolvedValue(undefined as never);
    const response = await s.scan(GENERIC_CONTENT);
    const args = scan.mock.lastCall!;
    expectScanArgs(args);
    const meta = args[0].dispatch_meta['multiclass_plugin'] as Record<string, Record<string, string>>;
    expect(meta['multiclass_plugin']!['rule0']).toBe('multiclass_plugin');
    expect(workersRun(response, 0)[0]).toBe('multiclass_plugin');
    expect(s.loadedDispatchers.get('multiclass_plugin')).toBe(multi);
    expect(s.loadedPlugins.get('multiclass_plugin')).toBe(multi);
  });
});
