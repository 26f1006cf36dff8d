import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';

const pluginDir = fileURLToPath(new URL('../fixtures/engine-plugins/', import.meta.url));

describe('structured logs', () => {
  it('carry the scan_id of the response and the payload_id and plugin of the work', async () => {
    const lines: string[] = [];
    const s = new Stoq({
      pluginDirList: [pluginDir],
      logLevel: 'debug',
      logDestination: { write: (l: string) => void lines.push(l) },
      pluginOpts: { garbage: { kind: 'throw' } },
    });
    const r = await s.scan('x', { addStartDispatch: ['garbage'] });
    const records = lines.flatMap((l) => l.split('\n').filter(Boolean)).map((l) => JSON.parse(l));
    const received = records.find((rec) => rec.msg === 'Request received');
    expect(received.scan_id).toBe(r.scan_id);
    const failed = records.find((rec) => rec.msg === 'worker failed');
    expect(failed).toMatchObject({ scan_id: r.scan_id, payload_id: r.results[0]!.payload_id, plugin: 'garbage' });
  });
});
