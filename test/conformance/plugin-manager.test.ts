/**
 * Port of upstream stoQ v3 `stoq/tests/test_plugin_manager.py`, 18 tests.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, PluginManager, StoqException, StoqPluginNotFound, type BasePlugin } from 'rxstoq';
import type { ConfigurableWorker } from '../fixtures/data/plugins/worker/configurable_worker/configurable_worker.js';
import { tempDir } from '../helpers/tmp.js';
import { bundledPluginNames, DATA_DIR, INVALID_PLUGINS_DIR, LEVEL, LogCapture, makeStoq, PLUGINS2_DIR, PLUGINS_DIR } from './support.js';

const DUMMY_PLUGINS = ['dummy_archiver', 'dummy_connector', 'dummy_provider', 'dummy_worker', 'dummy_decorator'];

const silent = createLogger({ level: 'silent' });
const manager = (pluginDirList: string[], extra: Partial<ConstructorParameters<typeof PluginManager>[0]> = {}) =>
  new PluginManager({ pluginDirList, log: silent, ...extra });

const bundledNames = bundledPluginNames;

describe('plugin manager (upstream test_plugin_manager.py)', () => {
  it('test_no_plugins', async () => {
    // Upstream listed 0 plugins; our bundled plugins are always indexed, so "no plugin dirs"
    // lists exactly them, and nothing at all once they are turned off.
    const bundled = bundledNames();
    expect(bundled).toContain('hash');
    expect(Object.keys(await manager([]).listPlugins()).sort()).toEqual([...bundled].sort());
    expect(Object.keys(await manager([], { includeBundled: false }).listPlugins())).toHaveLength(0);
  });

  it('test_collect_plugins', async () => {
    const listed = Object.keys(await manager([PLUGINS_DIR]).listPlugins());
    for (const name of DUMMY_PLUGINS) expect(listed).toContain(name);
  });

  it('test_plugin_objects', async () => {
    const worker = await manager([PLUGINS_DIR]).loadPlugin('simple_worker');
    expect(worker.plugin_name).toBe('simple_worker');
    expect(worker.author).toBe('Marcus LaFerrera');
    expect(worker.version).toBe('0.1');
    expect(worker.website).toBe('https://github.com/PUNCH-Cyber/stoq-plugins-public');
    expect(worker.description).toBe('Simple stoQ Worker plugin');
  });

  it('test_plugin_missing_objects', async () => {
    const worker = await manager([INVALID_PLUGINS_DIR]).loadPlugin('missing_config_objects');
    expect(worker.plugin_name).toBe('missing_config_objects');
    expect(worker.author).toBe('');
    expect(worker.version).toBe('');
    expect(worker.website).toBe('');
    expect(worker.description).toBe('');
  });

  it('test_multiple_dirs', async () => {
    const listed = Object.keys(await manager([PLUGINS_DIR, PLUGINS2_DIR]).listPlugins());
    for (const name of [...DUMMY_PLUGINS, 'dummy_worker2']) expect(listed).toContain(name);
  });

  it('test_collect_one_invalid_dir', async () => {
    const capture = new LogCapture();
    const pm = manager([PLUGINS_DIR, '/no/way/this/exists'], { log: capture.logger() });
    const listed = Object.keys(await pm.listPlugins());
    expect(listed).toContain('simple_worker');
    expect(capture.at(LEVEL.warn).map((r) => r.msg)).toContain('Invalid plugin directory specified, skipping: /no/way/this/exists');
  });

  it('test_collect_invalid_config', async () => {
    const listed = Object.keys(await manager([INVALID_PLUGINS_DIR]).listPlugins());
    expect(listed).not.toContain('missing_module');
    expect(listed).not.toContain('invalid_config');
    // The valid ones next to them are still indexed.
    expect(listed).toContain('missing_config_objects');
  });

  it('test_load_plugin', async () => {
    const pm = manager([PLUGINS_DIR]);
    for (const name of DUMMY_PLUGINS) {
      const plugin = await pm.loadPlugin(name);
      expect(plugin.plugin_name).toBe(name);
    }
  });

  it('test_load_plugin_nonexistent', async () => {
    await expect(manager([PLUGINS_DIR]).loadPlugin('this_plugin_does_not_exist')).rejects.toBeInstanceOf(StoqPluginNotFound);
  });

  it('test_load_non_plugin', async () => {
    const pm = manager([INVALID_PLUGINS_DIR]);
    expect(Object.keys(await pm.listPlugins())).toContain('missing_plugin');
    await expect(pm.loadPlugin('missing_plugin')).rejects.toBeInstanceOf(StoqException);
    await expect(pm.loadPlugin('missing_plugin')).rejects.toThrow('No valid plugin classes found in the module for missing_plugin');
  });

  it('test_load_multiple_plugins_in_module', async () => {
    const pm = manager([INVALID_PLUGINS_DIR]);
    expect(Object.keys(await pm.listPlugins())).toContain('multiple_plugins_in_module');
    await expect(pm.loadPlugin('multiple_plugins_in_module')).rejects.toBeInstanceOf(StoqException);
    await expect(pm.loadPlugin('multiple_plugins_in_module')).rejects.toThrow('Multiple possible plugin classes');
  });

  it('test_no_reload', async () => {
    const pm = manager([PLUGINS_DIR]);
    const first = await pm.loadPlugin('dummy_worker');
    const second = await pm.loadPlugin('dummy_worker');
    expect(second).toBe(first);
  });

  it('test_plugin_config', async () => {
    const worker = (await manager([PLUGINS_DIR]).loadPlugin('configurable_worker')) as ConfigurableWorker;
    expect(worker.getImportantOption()).toBe('cybercybercyber');
    expect(worker.getjsonOption('list')).toEqual(['item1', 'item2']);
    expect(worker.getjsonOption('dict')).toEqual({ key: 'value' });
    expect(worker.getjsonOption('sq_dict')).toEqual({ "bar'foo": 'value' });
    expect(() => worker.getjsonOption('invalid')).toThrow(SyntaxError);
    expect(worker.getjsonOption('doesnotexist')).toEqual({});
  });

  it('test_plugin_opts', async () => {
    const pluginOpts = {
      configurable_worker: {
        crazy_runtime_option: 16,
        list: JSON.stringify(['item3', 'item4']),
        dict: JSON.stringify({ key1: 'value1' }),
        invalid: 'invalid json blob',
        sq_dict: JSON.stringify({ "foo'bar": 'value' }),
        dq_dict: JSON.stringify({ 'foo"bar': 'value' }),
      },
    };
    const worker = (await manager([PLUGINS_DIR], { pluginOpts }).loadPlugin('configurable_worker')) as ConfigurableWorker;
    // Upstream stored 16 as the string '16' and read it back with getint; we keep the number.
    expect(worker.getCrazyRuntimeOption()).toBe(16);
    expect(worker.option('crazy_runtime_option')).toBe(16);
    expect(worker.getjsonOption('list')).toEqual(['item3', 'item4']);
    expect(worker.getjsonOption('dict')).toEqual({ key1: 'value1' });
    expect(worker.getjsonOption('sq_dict')).toEqual({ "foo'bar": 'value' });
    expect(worker.getjsonOption('dq_dict')).toEqual({ 'foo"bar': 'value' });
    expect(() => worker.getjsonOption('invalid')).toThrow(SyntaxError);
  });

  it('test_plugin_opts_from_stoq_cfg', async () => {
    const s = await makeStoq({ baseDir: DATA_DIR });
    const worker = await s.loadPlugin('configurable_worker');
    expect(worker.optionBool('worker_test_option_bool')).toBe(true);
    expect(worker.optionString('worker_test_option_str')).toBe('Worker Testy McTest Face');
    expect(worker.optionInt('worker_test_option_int')).toBe(10);
    const connector = await s.loadPlugin('dummy_connector');
    expect(connector.optionBool('connector_test_option_bool')).toBe(false);
    // Mixed-case name on purpose: option names are case-insensitive.
    expect(connector.option('Connector_test_option_str')).toBe('Connector Testy McTest Face');
    expect(connector.optionInt('connector_test_option_int')).toBe(5);
  });

  it('test_plugin_opts_precedence', async () => {
    const s = await makeStoq({
      baseDir: DATA_DIR,
      pluginOpts: {
        configurable_worker: { worker_test_option_bool: false, worker_test_option_str: 'Test string', worker_test_option_int: 20 },
      },
    });
    const worker = await s.loadPlugin('configurable_worker');
    expect(worker.optionBool('worker_test_option_bool')).toBe(false);
    expect(worker.optionString('worker_test_option_str')).toBe('Test string');
    expect(worker.optionInt('worker_test_option_int')).toBe(20);
  });

  it('test_min_stoq_version', async () => {
    const capture = new LogCapture();
    const plugin = await manager([INVALID_PLUGINS_DIR], { log: capture.logger() }).loadPlugin('incompatible_min_stoq_version');
    expect(plugin).toBeDefined();
    expect(plugin.plugin_name).toBe('incompatible_min_stoq_version');
    const warnings = capture.at(LEVEL.warn).map((r) => r.msg);
    expect(warnings).toContain('Plugin incompatible_min_stoq_version not compatible with this version of stoQ. Unpredictable results may occur!');
  });

  it('test_plugin_override', async () => {
    const marker = (p: BasePlugin) => (p as BasePlugin & { PLUGINS2_DUP_MARKER?: boolean }).PLUGINS2_DUP_MARKER;
    const later = await manager([PLUGINS_DIR, PLUGINS2_DIR]).loadPlugin('dummy_worker');
    expect(marker(later)).toBe(true);
    // Upstream expected an AttributeError; in JS a missing property is simply absent.
    const earlier = await manager([PLUGINS2_DIR, PLUGINS_DIR]).loadPlugin('dummy_worker');
    expect('PLUGINS2_DUP_MARKER' in earlier).toBe(false);
    expect(marker(earlier)).toBeUndefined();
  });
});

describe('discovery: "defined twice" warns only for two manifests of one name inside one plugin folder', () => {
  const DUMMY_WORKER_DIR = join(PLUGINS_DIR, 'worker', 'dummy_worker');
  const twiceWarnings = (pluginDirList: string[]) => {
    const capture = new LogCapture();
    manager(pluginDirList, { log: capture.logger(), includeBundled: false });
    return capture
      .at(LEVEL.warn)
      .map((r) => r.msg)
      .filter((m) => m.includes('defined twice'));
  };

  it('warns when the first manifest sits directly in the folder', () => {
    const root = tempDir();
    cpSync(DUMMY_WORKER_DIR, root, { recursive: true });
    // Walked after the root's own files (sorted), so the root manifest is the one overridden.
    cpSync(DUMMY_WORKER_DIR, join(root, 'z_copy'), { recursive: true });
    expect(twiceWarnings([root])).toEqual([`Plugin dummy_worker is defined twice in ${root}; using ${join(root, 'z_copy', 'dummy_worker.stoq.yaml')}`]);
  });

  it('warns for two subfolders of one folder', () => {
    const root = tempDir();
    cpSync(DUMMY_WORKER_DIR, join(root, 'a', 'dummy_worker'), { recursive: true });
    cpSync(DUMMY_WORKER_DIR, join(root, 'b'), { recursive: true });
    expect(twiceWarnings([root])).toEqual([`Plugin dummy_worker is defined twice in ${root}; using ${join(root, 'b', 'dummy_worker.stoq.yaml')}`]);
  });

  it('a later folder overriding an earlier one is silent, even when one name extends the other (plugins2, plugins)', () => {
    expect(twiceWarnings([PLUGINS2_DIR, PLUGINS_DIR])).toEqual([]);
    expect(twiceWarnings([PLUGINS_DIR, PLUGINS2_DIR])).toEqual([]);
  });

  it('one manifest reached through nested plugin folders is not a second definition', () => {
    const root = tempDir();
    cpSync(DUMMY_WORKER_DIR, join(root, 'sub'), { recursive: true });
    expect(twiceWarnings([root, join(root, 'sub')])).toEqual([]);
  });
});
