import { afterEach, describe, expect, it, vi } from 'vitest';
import { Stoq } from 'rxstoq';
import { EXAMPLE_PLUGIN_DIR } from '../../examples/plugin-dirs.js';

// Virtual time: the limit waits on timers, so the test moves the clock instead of sleeping.
afterEach(() => {
  vi.useRealTimers();
});

describe("upstream's ratelimit='N/S'", () => {
  it('Stoq.scan: at most N scans start per S seconds, across concurrent calls; the others wait in order', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const stoq = await Stoq.create({ alwaysDispatch: ['hash'], logLevel: 'silent', baseDir: EXAMPLE_PLUGIN_DIR, ratelimit: '2/10' });
    const settled: string[] = [];
    const scans = ['a', 'b', 'c', 'd'].map((text) => stoq.scan(text).then(() => settled.push(text)));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(settled).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toEqual(['a', 'b', 'c', 'd']);
    await Promise.all(scans);
    await stoq.close();
  });

  it('a per-call ratelimit overrides the instance one, and a malformed one is rejected with what was expected', async () => {
    const stoq = await Stoq.create({ logLevel: 'silent', baseDir: EXAMPLE_PLUGIN_DIR });
    await expect(stoq.scan('x', { ratelimit: '5/0' })).rejects.toThrow(/Invalid ratelimit "5\/0".*greater than 0/);
    await stoq.close();
    expect(() => new Stoq({ logLevel: 'silent', baseDir: EXAMPLE_PLUGIN_DIR, ratelimit: 'abc' })).toThrow(/Invalid ratelimit "abc": expected "N\/S"/);
  });

  it('Stoq.run: provider items are paced, none is lost', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const stoq = await Stoq.create({
      logLevel: 'silent',
      pluginDirList: [EXAMPLE_PLUGIN_DIR],
      providers: ['list_provider'],
      alwaysDispatch: ['hash'],
      pluginOpts: { list_provider: { items: ['1', '2', '3'] } },
      providerConsumers: 3,
    });
    let done = false;
    const run = stoq.run({ ratelimit: '1/5' }).then((summary) => {
      done = true;
      return summary;
    });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const summary = await run;
    expect(summary).toMatchObject({ items: 3, responses: 3, failures: [] });
    await stoq.close();
  });
});
