/**
 * Port of upstream stoQ v3 `stoq/tests/test_core.py`: connectors and decorators
 * (tests 40-44).
 */
import { describe, expect, it, vi } from 'vitest';
import { StoqResponse } from 'rxstoq';
import type { DummyConnector } from '../fixtures/data/plugins/connector/dummy_connector/dummy_connector.js';
import type { SimpleDecorator } from '../fixtures/data/plugins/decorator/simple_decorator/simple_decorator.js';
import { GENERIC_CONTENT, LEVEL, LogCapture, makeStoq, plugin } from './support.js';

describe('core connectors and decorators (upstream test_core.py)', () => {
  it('40 test_connector', async () => {
    const s = await makeStoq({ connectors: ['dummy_connector'] });
    const save = vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save').mockResolvedValue(undefined as never);
    const response = await s.scan(GENERIC_CONTENT);
    expect(save).toHaveBeenCalledTimes(1);
    expect(save.mock.lastCall![0]).toBe(response);
    expect(save.mock.lastCall![0]).toBeInstanceOf(StoqResponse);
  });

  it('41 test_connector_exception', async () => {
    const logs = new LogCapture();
    const s = await makeStoq({ connectors: ['dummy_connector'], logDestination: logs, logLevel: 'debug' });
    vi.spyOn(await plugin<DummyConnector>(s, 'dummy_connector'), 'save').mockRejectedValue(new Error('Unexpected exception'));
    await expect(s.scan(GENERIC_CONTENT)).resolves.toBeInstanceOf(StoqResponse);
    const errors = logs.at(LEVEL.error);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.msg).toMatch(/^Failed to save results using dummy_connector/);
    expect(errors[0]!.msg).toContain('Unexpected exception');
  });

  it('42 test_decorator', async () => {
    const s = await makeStoq({ decorators: ['simple_decorator'] });
    const response = await s.scan(GENERIC_CONTENT);
    expect(response.decorators['simple_decorator']).toHaveProperty('simple_decoration');
    expect(response.errors).toHaveLength(0);
  });

  it('43 test_decorator_errors', async () => {
    const s = await makeStoq({ decorators: ['simple_decorator'] });
    (await plugin<SimpleDecorator>(s, 'simple_decorator')).RETURN_ERRORS = true;
    const response = await s.scan(GENERIC_CONTENT);
    expect(response.decorators['simple_decorator']).toHaveProperty('simple_decoration');
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.error).toContain('Test error');
  });

  it('44 test_decorator_exception', async () => {
    const s = await makeStoq({ decorators: ['simple_decorator'] });
    (await plugin<SimpleDecorator>(s, 'simple_decorator')).RAISE_EXCEPTION = true;
    const response = await s.scan(GENERIC_CONTENT);
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.error).toContain('Test exception');
    expect(response.errors[0]!.plugin_name).toBe('simple_decorator');
    expect(response.errors[0]!.payload_id).toBeNull();
    expect(response.decorators).not.toHaveProperty('simple_decorator');
  });
});
