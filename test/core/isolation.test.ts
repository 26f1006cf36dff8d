import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';

const pluginDir = fileURLToPath(new URL('../fixtures/isolated-plugins/', import.meta.url));
const make = (opts: ConstructorParameters<typeof Stoq>[0] = {}) => new Stoq({ pluginDirList: [pluginDir], logLevel: 'silent', ...opts });

describe('isolation: thread', () => {
  it('runs the worker in a thread and brings results and extracted payloads back', async () => {
    const s = make({ pluginOpts: { spinner: { spin_ms: 5 } } });
    const r = await s.scan('abc', { addStartDispatch: ['spinner'] });
    expect(r.errors).toEqual([]);
    const res = r.results[0]!.workers['spinner'] as { thread: number; size: number };
    expect(res.thread).toBeGreaterThan(0);
    expect(res.size).toBe(3);
    expect(r.results).toHaveLength(2);
    expect(r.results[1]!.size).toBe(3);
    expect(r.results[1]!.payload_meta.extra_data).toEqual({ from: 'thread' });
    await s.close();
  });

  it('a CPU-bound plugin that never returns is terminated on timeout; the process and other payloads go on', async () => {
    const s = make({ pluginOpts: { spinner: { timeout: 0.3, threads: 1 } }, alwaysDispatch: ['hash'] });
    const started = Date.now();
    const [stuck, again] = await Promise.all([s.scan('one', { addStartDispatch: ['spinner'] }), s.scan('two', { addStartDispatch: ['spinner'] })]);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const r of [stuck, again]) {
      expect(r.results[0]!.workers['hash']).toBeDefined();
      expect(r.errors[0]).toMatchObject({ plugin_name: 'spinner', code: 'PLUGIN_TIMEOUT' });
    }
    // A fresh thread serves the next call after a termination.
    const s2ok = await s.scan('three', { addStartDispatch: ['spinner'] }).then((r) => r.errors.length);
    expect(s2ok).toBe(1);
    await s.close();
  });

  it('a dispatcher in a thread routes and its payload-meta changes come back', async () => {
    const s = make({ dispatchers: ['isolated_dispatcher'] });
    const r = await s.scan('abcd');
    expect(r.errors).toEqual([]);
    expect(r.results[0]!.plugins_run.workers).toEqual(['hash']);
    expect(r.results[0]!.payload_meta.should_archive).toBe(false);
    await s.close();
  });

  it('isolates a plugin whose manifest does not ask for it, from its options alone', async () => {
    const plain = make();
    expect((await plain.scan('x', { addStartDispatch: ['hoarder'] })).results[0]!.workers['hoarder']).toMatchObject({ main_thread: true });
    await plain.close();
    const isolated = make({ pluginOpts: { hoarder: { isolation: 'thread' } } });
    const r = await isolated.scan('x', { addStartDispatch: ['hoarder'] });
    expect(r.errors).toEqual([]);
    expect(r.results[0]!.workers['hoarder']).toMatchObject({ main_thread: false });
    await isolated.close();
  });

  it('a plugin that allocates without bound fails with PLUGIN_OUT_OF_MEMORY; its thread is replaced and the process goes on', async () => {
    const s = make({ pluginOpts: { hoarder: { isolation: 'thread', memory_limit_mb: 48, threads: 1 } }, alwaysDispatch: ['hash'] });
    const r = await s.scan('hoard', { addStartDispatch: ['hoarder'] });
    expect(r.results[0]!.workers['hash']).toBeDefined();
    expect(r.results[0]!.workers['hoarder']).toBeUndefined();
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ plugin_name: 'hoarder', code: 'PLUGIN_OUT_OF_MEMORY' });
    expect(r.errors[0]!.error).toContain('ran out of memory (heap limit 48 MB)');
    const next = await s.scan('fine', { addStartDispatch: ['hoarder'] });
    expect(next.errors).toEqual([]);
    expect(next.results[0]!.workers['hoarder']).toMatchObject({ main_thread: false });
    await s.close();
  });
});
