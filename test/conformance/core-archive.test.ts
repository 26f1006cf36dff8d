/**
 * Port of upstream stoQ v3 `stoq/tests/test_core.py`: source and destination
 * archivers (tests 24-28, 31, 32, 35-37).
 */
import { describe, expect, it, vi } from 'vitest';
import { ArchiverResponse, PayloadMeta, RequestMeta, type StoqResponse } from 'rxstoq';
import type { DummyArchiver } from '../fixtures/data/plugins/archiver/dummy_archiver/dummy_archiver.js';
import type { SimpleArchiver } from '../fixtures/data/plugins/archiver/simple_archiver/simple_archiver.js';
import type { DummyConnector } from '../fixtures/data/plugins/connector/dummy_connector/dummy_connector.js';
import type { SimpleProvider } from '../fixtures/data/plugins/provider/simple_provider/simple_provider.js';
import { GENERIC_CONTENT, makeStoq, plugin } from './support.js';

const archiversRun = (response: StoqResponse, i: number) => response.results[i]!.plugins_run.archivers;

describe('core archivers (upstream test_core.py)', () => {
  it('24 test_source_archive', async () => {
    const s = await makeStoq();
    const archiver = await plugin<SimpleArchiver>(s, 'simple_archiver');
    archiver.PAYLOAD = Buffer.from('This is a payload');
    const payload = archiver.get(new ArchiverResponse({ results: { path: '/tmp/123' } }));
    expect(payload.payload_meta.extra_data['path']).toBe('/tmp/123');
    expect(payload.content.equals(Buffer.from('This is a payload'))).toBe(true);
  });

  it('25 test_dest_archive', async () => {
    const s = await makeStoq({ destArchivers: ['dummy_archiver'] });
    const archive = vi.spyOn(await plugin<DummyArchiver>(s, 'dummy_archiver'), 'archive').mockResolvedValue(undefined);
    const response = await s.scan(GENERIC_CONTENT, { requestMeta: new RequestMeta({ archive_payloads: true }) });
    expect(archive).toHaveBeenCalledTimes(1);
    expect(archiversRun(response, 0)).toContain('dummy_archiver');
  });

  it('26 test_dont_dest_archive_request', async () => {
    const s = await makeStoq({ destArchivers: ['dummy_archiver'] });
    const archive = vi.spyOn(await plugin<DummyArchiver>(s, 'dummy_archiver'), 'archive').mockResolvedValue(undefined);
    const response = await s.scan(GENERIC_CONTENT, {
      addStartDispatch: ['extract_payload'],
      requestMeta: new RequestMeta({ archive_payloads: false }),
    });
    expect(response.results).toHaveLength(2);
    expect(archive).not.toHaveBeenCalled();
    expect(archiversRun(response, 0)).not.toContain('dummy_archiver');
    expect(archiversRun(response, 1)).not.toContain('dummy_archiver');
  });

  it('27 test_dont_dest_archive_payload', async () => {
    const s = await makeStoq({ destArchivers: ['dummy_archiver'] });
    const archive = vi.spyOn(await plugin<DummyArchiver>(s, 'dummy_archiver'), 'archive').mockResolvedValue(undefined);
    const response = await s.scan(GENERIC_CONTENT, {
      payloadMeta: new PayloadMeta({ should_archive: false }),
      addStartDispatch: ['extract_payload'],
      requestMeta: new RequestMeta({ archive_payloads: true }),
    });
    expect(archive).toHaveBeenCalledTimes(1);
    expect(archive.mock.lastCall![0].payload_id).toBe(response.results[1]!.payload_id);
    expect(archiversRun(response, 0)).not.toContain('dummy_archiver');
    expect(archiversRun(response, 1)).toContain('dummy_archiver');
  });

  // Upstream called this test_dont_dest_archive_yara although no yara is involved (UD-32).
  it('28 test_dest_archiver_returning_nothing (upstream test_dont_dest_archive_yara)', async () => {
    const s = await makeStoq({ destArchivers: ['dummy_archiver'] });
    const response = await s.scan(GENERIC_CONTENT);
    expect(response.results[0]!.archivers).not.toHaveProperty('dummy_archiver');
    expect(archiversRun(response, 0)).toContain('dummy_archiver');
  });

  it('31 test_archiver_in_results', async () => {
    const s = await makeStoq({ destArchivers: ['simple_archiver'] });
    const response = await s.scan(GENERIC_CONTENT, { requestMeta: new RequestMeta({ archive_payloads: true }) });
    expect(response.results[0]!.archivers['simple_archiver']).toHaveProperty('file_save_id');
    expect(response.errors).toHaveLength(0);
  });

  it('32 test_archiver_not_in_results', async () => {
    const s = await makeStoq({ destArchivers: ['dummy_archiver'] });
    const response = await s.scan(GENERIC_CONTENT, { requestMeta: new RequestMeta({ archive_payloads: true }) });
    expect(response.results[0]!.archivers).not.toHaveProperty('dummy_archiver');
  });

  it('35 test_source_archiver_exception', async () => {
    // Upstream only checked that get() raises. Here the raising source archiver also runs inside
    // run(): its task is recorded as a failure and the other provider's payload is still scanned
    // and saved.
    const s = await makeStoq({
      providers: ['simple_provider', 'simple_provider2'],
      sourceArchivers: ['simple_archiver'],
      connectors: ['dummy_connector'],
    });
    const archiver = await plugin<SimpleArchiver>(s, 'simple_archiver');
    archiver.RAISE_EXCEPTION = true;
    expect(() => archiver.get(new ArchiverResponse({ results: { task: 'This will fail' } }))).toThrow('Test exception please ignore');
    (await plugin<SimpleProvider>(s, 'simple_provider')).RETURN_PAYLOAD = false;
    const save = vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save');
    const summary = await s.run();
    expect(summary.items).toBe(2);
    expect(summary.responses).toBe(1);
    expect(save).toHaveBeenCalledTimes(1);
    expect(summary.failures).toHaveLength(1);
    const failure = summary.failures[0]!;
    expect(failure.stage).toBe('task');
    expect(failure.plugin_name).toBe('simple_archiver');
    expect(failure.error).toContain('failed with archiver "simple_archiver"');
    expect(failure.error).toContain('Test exception please ignore');
  });

  it('36 test_dest_archiver_exception', async () => {
    const s = await makeStoq({ destArchivers: ['simple_archiver'] });
    (await plugin<SimpleArchiver>(s, 'simple_archiver')).RAISE_EXCEPTION = true;
    const response = await s.scan(GENERIC_CONTENT);
    expect(archiversRun(response, 0)).toContain('simple_archiver');
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.error).toContain('Test exception');
    expect(response.errors[0]!.error).toMatch(/^archiver:failed to archive: /);
  });

  it('37 test_dest_archiver_errors', async () => {
    const s = await makeStoq({ destArchivers: ['simple_archiver'] });
    (await plugin<SimpleArchiver>(s, 'simple_archiver')).RETURN_ERRORS = true;
    const response = await s.scan(GENERIC_CONTENT);
    expect(archiversRun(response, 0)).toContain('simple_archiver');
    expect(response.results[0]!.archivers).toHaveProperty('simple_archiver');
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.error).toContain('Test error');
  });
});
