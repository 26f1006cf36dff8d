import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq, StoqMetrics } from 'rxstoq';
import type { YaraPlugin } from './yara.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxstoq-yara-metrics-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gauge = (text: string, name: string) => new RegExp(`stoq_plugin_gauge\\{plugin="yara",name="${name}"\\} (\\d+)`).exec(text)?.[1];

describe('yara rule reloads in the metrics', () => {
  it('exports rules_stale and the reload counts as stoq_plugin_gauge, from the plugin in-process', async () => {
    const file = join(dir, 'inproc.yar');
    writeFileSync(file, 'rule a { strings: $a = "alpha" condition: $a }\n');
    const metrics = new StoqMetrics({ processMetrics: false });
    const stoq = new Stoq({ logLevel: 'silent', metrics, pluginOpts: { yara: { worker_rules: file, dispatch_rules: '', isolation: 'none', watch: false } } });
    const yara = (await stoq.loadPlugin('yara')) as YaraPlugin;
    expect(gauge(await metrics.registry.metrics(), 'rules_stale')).toBe('0');
    writeFileSync(file, 'rule a { condition: $nope }\n');
    yara.reloadRules();
    const text = await metrics.registry.metrics();
    expect(gauge(text, 'rules_stale')).toBe('1');
    expect(gauge(text, 'rules_reload_failures')).toBe('1');
    await stoq.close();
  });

  it('brings an isolated plugin’s gauges back from its threads with each answer', async () => {
    const file = join(dir, 'threaded.yar');
    writeFileSync(file, 'rule a { strings: $a = "alpha" condition: $a }\n');
    const metrics = new StoqMetrics({ processMetrics: false });
    const stoq = new Stoq({
      logLevel: 'silent',
      metrics,
      alwaysDispatch: ['yara'],
      pluginOpts: { yara: { worker_rules: file, dispatch_rules: '', threads: 1 } },
    });
    await stoq.scan('alpha');
    const text = await metrics.registry.metrics();
    expect(gauge(text, 'rules_stale')).toBe('0');
    expect(gauge(text, 'rules_reloads')).toBe('0');
    await stoq.close();
  });
});
