import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/tmp.js';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_LIMITS, Stoq, type StoqOptions } from 'rxstoq';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';

const pluginDir = fileURLToPath(new URL('../fixtures/engine-plugins/', import.meta.url));
const gateDir = fileURLToPath(new URL('../fixtures/operator-plugins/gate/', import.meta.url));
const make = (options: StoqOptions = {}) => new Stoq({ pluginDirList: [pluginDir], logLevel: 'silent', ...options });
const codes = (r: { errors: Array<{ code?: string }> }) => r.errors.map((e) => e.code);

describe('limits', () => {
  it('has safe defaults', () => {
    expect(DEFAULT_LIMITS.maxPayloadSize).toBe(256 * 1024 * 1024);
    expect(make().engine.limits).toEqual(DEFAULT_LIMITS);
  });

  it('records, but does not scan, a payload over max_payload_size', async () => {
    const s = make({ alwaysDispatch: ['hash'], limits: { maxPayloadSize: 10 } });
    const r = await s.scan('this is more than ten bytes');
    expect(r.results).toHaveLength(1);
    expect(r.results[0]!.workers).toEqual({});
    expect(codes(r)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(r.errors[0]!.error).toContain('27 bytes exceeds the maximum payload size of 10 bytes');
  });

  it('caps extracted payloads per payload', async () => {
    const s = make({ pluginOpts: { extractor: { count: 10 } }, limits: { maxExtractedPerPayload: 4 } });
    const r = await s.scan('root', { addStartDispatch: ['extractor'] });
    expect(r.results).toHaveLength(5);
    expect(codes(r)).toEqual(['EXTRACTED_PER_PAYLOAD_LIMIT']);
    expect(r.errors[0]!.error).toContain('6 extracted payload(s) from extractor dropped');
    expect(r.errors[0]!.plugin_name).toBe('extractor');
  });

  it('caps extracted payloads per request across the tree', async () => {
    const s = make({ alwaysDispatch: ['extractor'], pluginOpts: { extractor: { count: 3 } }, maxRecursion: 5, limits: { maxExtractedPerRequest: 7 } });
    const r = await s.scan('root');
    expect(r.results).toHaveLength(8);
    expect(new Set(codes(r))).toEqual(new Set(['EXTRACTED_PER_REQUEST_LIMIT']));
  });

  it('caps total extracted bytes per request', async () => {
    const s = make({ pluginOpts: { extractor: { count: 5, size: 1000 } }, limits: { maxExtractedBytes: 2500 } });
    const r = await s.scan('root', { addStartDispatch: ['extractor'] });
    expect(r.results).toHaveLength(3);
    expect(codes(r)).toEqual(['EXTRACTED_BYTES_LIMIT']);
  });

  it('caps extracted bytes held by all requests in flight together, and gives them back as each request ends', async () => {
    const s = new Stoq({
      pluginDirList: [pluginDir, gateDir],
      logLevel: 'silent',
      pluginOpts: { extractor: { count: 2, size: 1000 } },
      limits: { maxInFlightExtractedBytes: 3000 },
    });
    const gate = (await s.manager.loadPlugin('gate')) as unknown as Gate;
    // A extracts 2000 bytes, then stays in flight: the gate holds its root payload.
    const a = s.scan('request a', { addStartDispatch: ['extractor', 'gate'] });
    await gate.whenHeld(1);
    await vi.waitFor(() => expect(s.engine.extractedInFlight.bytes).toBe(2000));
    const b = await s.scan('request b', { addStartDispatch: ['extractor'] });
    expect(b.results).toHaveLength(2);
    expect(codes(b)).toEqual(['EXTRACTED_BYTES_IN_FLIGHT_LIMIT']);
    expect(b.errors[0]!.error).toContain(
      'Limit of 3000 extracted bytes held by all requests in flight reached (3000 held now); 1 extracted payload(s) from extractor dropped',
    );
    expect(s.engine.extractedInFlight.bytes).toBe(2000);
    gate.openAll();
    expect(codes(await a)).toEqual([]);
    expect(s.engine.extractedInFlight.bytes).toBe(0);
    const c = await s.scan('request c', { addStartDispatch: ['extractor'] });
    expect(c.errors).toEqual([]);
    expect(c.results).toHaveLength(3);
    await s.close();
  });

  it('stops a compression-ratio bomb', async () => {
    const s = make({ pluginOpts: { extractor: { count: 4, size: 4096 } }, limits: { maxCompressionRatio: 100 } });
    const r = await s.scan(Buffer.alloc(100), { addStartDispatch: ['extractor'] });
    expect(r.results).toHaveLength(3);
    expect(codes(r)).toEqual(['COMPRESSION_RATIO_LIMIT']);
  });

  it('limits come from the config file, and an explicit option beats it', () => {
    const base = tempDir();
    writeFileSync(join(base, 'stoq.yaml'), 'core:\n  max_payload_size: 5\n  max_compression_ratio: 7\n');
    const fromFile = make({ baseDir: base });
    expect(fromFile.engine.limits).toEqual({ ...DEFAULT_LIMITS, maxPayloadSize: 5, maxCompressionRatio: 7 });
    const explicit = make({ baseDir: base, limits: { maxPayloadSize: 0 } });
    expect(explicit.engine.limits.maxPayloadSize).toBe(0);
  });
});

describe('timeouts', () => {
  it('a plugin timeout gives an error naming the plugin and the time, aborts its signal, and the scan finishes', async () => {
    const s = make({ pluginOpts: { sleeper: { timeout: 0.2 } }, alwaysDispatch: ['hash'] });
    const started = Date.now();
    const r = await s.scan('x', { addStartDispatch: ['sleeper'] });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.results[0]!.workers['hash']).toBeDefined();
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ plugin_name: 'sleeper', code: 'PLUGIN_TIMEOUT' });
    expect(r.errors[0]!.error).toContain('Plugin sleeper timed out after 0.2s');
    const sleeper = (await s.loadPlugin('sleeper')) as unknown as { seen: AbortSignal[] };
    expect(sleeper.seen[0]!.aborted).toBe(true);
  });

  it('a plugin that ignores its signal is abandoned: other payloads are not blocked', async () => {
    const s = make({ pluginOpts: { sleeper: { timeout: 0.2, ignore_abort: true, ms: 3_000 } }, workerConcurrency: 1 });
    const [a, b] = await Promise.all([s.scan('a', { addStartDispatch: ['sleeper'] }), s.scan('b', { addStartDispatch: ['hash'] })]);
    expect(a.errors[0]!.code).toBe('PLUGIN_TIMEOUT');
    expect(b.results[0]!.workers['hash']).toBeDefined();
  });

  it('a request deadline cancels unfinished work, keeps finished results and says what was cut', async () => {
    const s = make({ requestTimeout: 0.3 });
    const r = await s.scan('x', { addStartDispatch: ['hash', 'sleeper'] });
    expect(r.results[0]!.workers['hash']).toBeDefined();
    const cut = r.errors.find((e) => e.plugin_name === 'sleeper')!;
    expect(cut.code).toBe('REQUEST_DEADLINE');
    expect(cut.error).toContain('request deadline of 0.3s passed');
  });

  it('a per-request deadline overrides the default', async () => {
    const s = make({ requestTimeout: 100 });
    const r = await s.scan('x', { addStartDispatch: ['sleeper'], requestTimeout: 0.2 });
    expect(r.errors[0]!.code).toBe('REQUEST_DEADLINE');
  });
});

describe('misbehaving workers', () => {
  for (const kind of ['number', 'array', 'bad-extracted', 'bad-dispatch', 'throw']) {
    it(`a worker returning ${kind} gives an Error, never a crashed scan`, async () => {
      const s = make({ pluginOpts: { garbage: { kind } }, alwaysDispatch: ['hash'] });
      const r = await s.scan('x', { addStartDispatch: ['garbage'] });
      expect(r.results[0]!.workers['hash']).toBeDefined();
      expect(r.results[0]!.plugins_run.workers).toContain('garbage');
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]!.plugin_name).toBe('garbage');
      expect(r.errors[0]!.error).toMatch(/worker:failed to scan/);
    });
  }
});
