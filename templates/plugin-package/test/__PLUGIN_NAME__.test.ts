import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';

// The built plugin (npm test builds first), loaded by rxstoq as `stoq scan -a __PLUGIN_NAME__` would.
const PLUGIN_DIR = fileURLToPath(new URL('../__PLUGIN_NAME__/', import.meta.url));

describe('__PLUGIN_NAME__', () => {
  let stoq: Stoq;
  beforeAll(async () => {
    stoq = await Stoq.create({ pluginDirList: [PLUGIN_DIR], alwaysDispatch: ['__PLUGIN_NAME__'], logLevel: 'error' });
  });
  afterAll(() => stoq.close());

  it('reports size, lines and the printable share', async () => {
    const response = await stoq.scan(Buffer.from('hello\nworld\n\x00\x01'));
    expect(response.errors).toEqual([]);
    expect(response.results[0]!.workers['__PLUGIN_NAME__']).toEqual({ size: 14, lines: 2, printable_ratio: 12 / 14 });
  });

  it('gives an empty payload a ratio of 0', async () => {
    const response = await stoq.scan(Buffer.alloc(0));
    expect(response.results[0]!.workers['__PLUGIN_NAME__']).toEqual({ size: 0, lines: 0, printable_ratio: 0 });
  });
});
