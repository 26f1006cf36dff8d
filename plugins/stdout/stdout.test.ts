import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { RequestMeta, Stoq, StoqResponse, type ConnectorPlugin } from 'rxstoq';

/**
 * The connector writes to the real process.stdout; these tests intercept `write` on it to read
 * what was written and to play a slow or broken consumer.
 */
describe('stdout connector', () => {
  let stoq: Stoq;
  let written: string[];
  let write: MockInstance;
  let accept: () => boolean;

  beforeEach(async () => {
    written = [];
    accept = () => true;
    write = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, cb?: unknown) => {
      written.push(String(chunk));
      if (typeof cb === 'function') cb();
      return accept();
    }) as typeof process.stdout.write);
    stoq = new Stoq({ connectors: ['stdout'], alwaysDispatch: ['hash'], logLevel: 'silent' });
    await stoq.ready();
  });

  afterEach(async () => {
    write.mockRestore();
    await stoq.close();
  });

  it('writes each response as one compact JSON line', async () => {
    const response = await stoq.scan(Buffer.from('This is a payload to hash'));
    expect(written).toHaveLength(1);
    const line = written[0]!;
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(response)));
    expect(JSON.parse(line).results[0].workers.hash.sha256).toBe('2fa284e62b11fea1226b35cdd726a7a56090853ed135240665ceb3939f631af7');
  });

  it('keeps concurrent responses on separate, whole lines', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => stoq.scan(Buffer.from(`payload ${i}\nwith a newline`))));
    const lines = written.join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(20);
    const ids = lines.map((l) => JSON.parse(l).scan_id).sort();
    expect(ids).toEqual(responses.map((r) => r.scan_id).sort());
  });

  it('waits for "drain" when stdout’s buffer is full', async () => {
    accept = () => false;
    let finished = false;
    const scanning = stoq.scan(Buffer.from('slow consumer')).then((r) => {
      finished = true;
      return r;
    });
    await vi.waitFor(() => expect(written).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(finished).toBe(false);
    process.stdout.emit('drain');
    const response = await scanning;
    expect(response.errors).toEqual([]);
  });

  it('turns a broken stdout into a connector error instead of ending the process', async () => {
    process.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    const response = await stoq.scan(Buffer.from('after the pipe closed'));
    expect(written).toHaveLength(0);
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.plugin_name).toBe('stdout');
    expect(response.errors[0]!.error).toMatch(/stdout is unusable: write EPIPE/);
  });

  it('saves a response handed to it by hand, without a call context', async () => {
    const connector = (await stoq.loadPlugin('stdout', 'connector')) as ConnectorPlugin;
    const response = new StoqResponse({ request_meta: new RequestMeta({ source: 'by hand' }) });
    await connector.save(response);
    expect(written.map((l) => JSON.parse(l).scan_id)).toEqual([response.scan_id]);
  });

  it('is listed as a connector', async () => {
    expect((await stoq.listPlugins())['stdout']?.classes).toEqual(['Connector']);
  });
});
