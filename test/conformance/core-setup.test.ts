/**
 * Port of upstream stoQ v3 `stoq/tests/test_core.py`, tests 1-4: construction,
 * configuration and the initially loaded plugins.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Stoq } from 'rxstoq';
import { bundledPluginNames, LogCapture, makeStoq } from './support.js';

const temps: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rxstoq-conformance-'));
  temps.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('core setup (upstream test_core.py 1-4)', () => {
  it('1 test_no_base_dir', async () => {
    const cwd = process.cwd();
    const empty = tempDir();
    process.chdir(empty);
    try {
      const s = new Stoq({ logDir: null, logLevel: 'silent' });
      await s.ready();
      expect(s.baseDir).toBe(process.cwd());
      // Upstream listed 0 plugins for a CWD without plugins/; ours always has the bundled ones.
      const bundled = bundledPluginNames();
      expect(Object.keys(await s.listPlugins()).sort()).toEqual(bundled.sort());
    } finally {
      process.chdir(cwd);
    }
  });

  it('2 test_config_from_base_dir', async () => {
    const s = await makeStoq();
    expect(s.maxQueue).toBe(919);
    expect(s.providerConsumers).toBe(50);
    expect(s.maxRecursion).toBe(10);
  });

  it('3 test_file_log', async () => {
    const logDir = tempDir();
    const s = await makeStoq({ logDir, logLevel: 'info', logDestination: new LogCapture() });
    s.log.info('file log check');
    const file = join(logDir, 'stoq.log');
    await vi.waitFor(() => expect(existsSync(file) && readFileSync(file, 'utf8')).toContain('file log check'));
  });

  it('4 test_initial_plugins', async () => {
    const s = await makeStoq({
      providers: ['dummy_provider'],
      sourceArchivers: ['dummy_archiver'],
      destArchivers: ['dummy_archiver'],
      connectors: ['dummy_connector'],
      decorators: ['dummy_decorator'],
      dispatchers: ['dummy_dispatcher'],
    });
    expect(s.loadedProviders.size).toBe(1);
    expect(s.loadedSourceArchivers.size).toBe(1);
    expect(s.loadedDestArchivers.size).toBe(1);
    expect(s.loadedConnectors).toHaveLength(1);
    expect(s.loadedDecorators.size).toBe(1);
    expect(s.loadedDispatchers.size).toBe(1);
    // One instance per name, whatever roles it plays.
    expect(s.loadedSourceArchivers.get('dummy_archiver')).toBe(s.loadedDestArchivers.get('dummy_archiver'));
  });
});
