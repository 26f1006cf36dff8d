import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';

const pluginDir = fileURLToPath(new URL('../fixtures/engine-plugins/', import.meta.url));

describe('deterministic results', () => {
  for (const [slow, fast] of [
    ['extractor', 'extractor_b'],
    ['extractor_b', 'extractor'],
  ] as const) {
    it(`same content from two workers: parents and extractors in a timing-free order (${slow} slow)`, async () => {
      const s = new Stoq({
        pluginDirList: [pluginDir],
        logLevel: 'silent',
        pluginOpts: { [slow]: { fixed: 'same', delay_ms: 80 }, [fast]: { fixed: 'same', delay_ms: 0 } },
      });
      const r = await s.scan('root', { addStartDispatch: ['extractor', 'extractor_b'] });
      expect(r.results).toHaveLength(2);
      expect(r.results[1]!.extracted_by).toEqual(['extractor', 'extractor_b']);
      expect(r.results[1]!.extracted_from).toEqual([r.results[0]!.payload_id]);
      expect(r.results[0]!.plugins_run.workers).toEqual(['extractor', 'extractor_b']);
    });
  }

  it('siblings are ordered by worker and index whatever finishes first', async () => {
    const s = new Stoq({
      pluginDirList: [pluginDir],
      logLevel: 'silent',
      pluginOpts: { extractor: { count: 2, delay_ms: 60 }, extractor_b: { count: 2, size: 20 } },
    });
    const r = await s.scan('root', { addStartDispatch: ['extractor_b', 'extractor'] });
    expect(r.results.slice(1).map((p) => [p.extracted_by[0], p.size])).toEqual([
      ['extractor', 16],
      ['extractor', 16],
      ['extractor_b', 20],
      ['extractor_b', 20],
    ]);
  });
});
