/**
 * Port of upstream stoQ v3 `stoq/tests/test_core.py`: provider mode, `run()`
 * (tests 46-52).
 */
import { describe, expect, it, vi } from 'vitest';
import { RequestMeta, StoqException, type StoqResponse } from 'rxstoq';
import type { SimpleArchiver } from '../fixtures/data/plugins/archiver/simple_archiver/simple_archiver.js';
import type { DummyConnector } from '../fixtures/data/plugins/connector/dummy_connector/dummy_connector.js';
import type { RequestProvider } from '../fixtures/data/plugins/provider/request_provider/request_provider.js';
import type { SimpleProvider } from '../fixtures/data/plugins/provider/simple_provider/simple_provider.js';
import type { DummyWorker } from '../fixtures/data/plugins/worker/dummy_worker/dummy_worker.js';
import { LEVEL, LogCapture, makeStoq, plugin } from './support.js';

const savedContent = (save: { mock: { calls: unknown[][] } }) => save.mock.calls.map((c) => (c[0] as StoqResponse).results[0]!.size);

describe('core provider mode (upstream test_core.py)', () => {
  it('46 test_provider', async () => {
    const s = await makeStoq({ providers: ['simple_provider'], connectors: ['dummy_connector'] });
    const save = vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save').mockResolvedValue(undefined as never);
    const summary = await s.run();
    expect(save).toHaveBeenCalledTimes(1);
    expect(savedContent(save)).toEqual(['Important stuff'.length]);
    expect(summary).toEqual({ items: 1, responses: 1, failures: [] });
  });

  it('47 test_no_providers', async () => {
    const s = await makeStoq();
    await expect(s.run()).rejects.toBeInstanceOf(StoqException);
    await expect(s.run()).rejects.toThrow('No activated provider plugins');
  });

  it('48 test_multi_providers', async () => {
    const s = await makeStoq({ providers: ['simple_provider', 'simple_provider2'], connectors: ['dummy_connector'] });
    const save = vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save').mockResolvedValue(undefined as never);
    await s.run();
    expect(save).toHaveBeenCalledTimes(2);
  });

  it('49 test_provider_exception', async () => {
    const logs = new LogCapture();
    const s = await makeStoq({ providers: ['simple_provider'], logDestination: logs, logLevel: 'debug' });
    (await plugin<SimpleProvider>(s, 'simple_provider')).RAISE_EXCEPTION = true;
    const summary = await s.run();
    const errors = logs.at(LEVEL.error);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.msg).toMatch(/^Test exception, please ignore/);
    expect(summary.failures.map((f) => [f.stage, f.plugin_name])).toEqual([['provider', 'simple_provider']]);
  });

  it('50 test_provider_with_task', async () => {
    const s = await makeStoq({
      providers: ['simple_provider'],
      sourceArchivers: ['simple_archiver'],
      connectors: ['dummy_connector'],
    });
    (await plugin<SimpleProvider>(s, 'simple_provider')).RETURN_PAYLOAD = false;
    (await plugin<SimpleArchiver>(s, 'simple_archiver')).PAYLOAD = Buffer.from('This is a payload');
    const save = vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save').mockResolvedValue(undefined as never);
    await s.run();
    expect(save).toHaveBeenCalledTimes(1);
    const saved = save.mock.lastCall![0];
    expect(saved.results[0]!.size).toBe('This is a payload'.length);
    expect(saved.results[0]!.payload_meta.extra_data).toEqual({ task: 'This is a task from provider' });
  });

  it('51 test_provider_with_start_dispatch', async () => {
    const s = await makeStoq({ providers: ['simple_provider'], connectors: ['dummy_connector'] });
    const scan = vi.spyOn(await plugin<DummyWorker>(s, 'dummy_worker'), 'scan').mockResolvedValue(undefined);
    const save = vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save').mockResolvedValue(undefined as never);
    await s.run({ addStartDispatch: ['dummy_worker'] });
    expect(scan).toHaveBeenCalledTimes(1);
    expect(save).toHaveBeenCalledTimes(1);
    expect(save.mock.lastCall![0].results[0]!.plugins_run.workers).toEqual(['dummy_worker']);
  });

  it('52 test_provider_with_request', async () => {
    // Upstream matched Python log text; we check the structured pino records instead.
    const logs = new LogCapture();
    const s = await makeStoq({ providers: ['request_provider'], logDestination: logs, logLevel: 'debug' });
    const requestMeta = new RequestMeta({ extra_data: { dummy: '2' } });

    await s.run({ requestMeta });
    let records = logs.at(LEVEL.debug);
    expect(records[0]!.msg).toBe('Starting provider queue');
    expect(records[1]!.msg).toBe('Request received');
    // The request brought its own metadata, so it is kept.
    expect((records[1]!['request_meta'] as RequestMeta).extra_data).toEqual({ dummy: '1' });

    (await plugin<RequestProvider>(s, 'request_provider')).SPECIFY_REQUEST_META = false;
    logs.clear();
    await s.run({ requestMeta });
    records = logs.at(LEVEL.debug);
    expect(records[0]!.msg).toBe('Starting provider queue');
    expect(records[1]!.msg).toBe('Request received');
    // Default metadata on the request: the run's metadata applies.
    expect((records[1]!['request_meta'] as RequestMeta).extra_data).toEqual({ dummy: '2' });
  });
});
