import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';

// The built plugin (npm test builds first), loaded by rxstoq as `stoq scan -a __PLUGIN_NAME__` would.
const PLUGIN_DIR = fileURLToPath(new URL('../__PLUGIN_NAME__/', import.meta.url));

const NAME = '__PLUGIN_NAME__';
const settings = { pluginDirList: [PLUGIN_DIR], alwaysDispatch: [NAME], logLevel: 'error' };

describe('__PLUGIN_NAME__', () => {
  let stoq: Stoq;
  beforeAll(async () => {
    stoq = await Stoq.create(settings);
  });
  afterAll(() => stoq.close());

  it('reports size, lines and the printable share', async () => {
    const response = await stoq.scan(Buffer.from('hello\nworld\n\x00\x01'));
    expect(response.errors).toEqual([]);
    expect(response.results[0]!.workers[NAME]).toEqual({ size: 14, lines: 2, printable_ratio: 12 / 14 });
  });

  it('gives an empty payload a ratio of 0', async () => {
    const response = await stoq.scan(Buffer.alloc(0));
    expect(response.results[0]!.workers[NAME]).toEqual({ size: 0, lines: 0, printable_ratio: 0 });
  });

  it('types max_bytes from the string the command line gives (--plugin-opts __PLUGIN_NAME__:max_bytes=6)', async () => {
    const limited = await Stoq.create({ ...settings, pluginOpts: { [NAME]: { max_bytes: '6' } } });
    try {
      const response = await limited.scan(Buffer.from('hello\nworld\n\x00\x01'));
      // Only "hello\n" is counted; the size is still the whole payload's.
      expect(response.results[0]!.workers[NAME]).toEqual({ size: 14, lines: 1, printable_ratio: 1 });
    } finally {
      await limited.close();
    }
  });

  it('refuses a max_bytes that is not a whole number, naming the option', async () => {
    await expect(Stoq.create({ ...settings, pluginOpts: { [NAME]: { max_bytes: 'abc' } } })).rejects.toThrow(/max_bytes/);
  });
});
