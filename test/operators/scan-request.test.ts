import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Payload, Request } from 'rxstoq';
import { connect, scanRequest } from 'rxstoq/operators';
import { tempDir } from '../helpers/tmp.js';
import { docExample, exampleConsole, runExample, setup } from './support.js';

interface Probe {
  scanned: string[];
}

describe('scanRequest', () => {
  it('is cold: nothing is scanned until it is subscribed', async () => {
    const s = await setup();
    const scan = scanRequest(s.engine, new Request({ payloads: [new Payload('x')] }), ['probe']);
    const probe = await s.plugin<Probe>('probe');
    expect(probe.scanned).toEqual([]);
    await lastValueFrom(scan);
    expect(probe.scanned).toHaveLength(1);
  });

  it('emits exactly one response: payloads scanned and extracted, archived, decorated — but not saved', async () => {
    const [archiveDir, resultsDir] = [tempDir(), tempDir()];
    const s = await setup({
      destArchivers: ['filedir'],
      decorators: ['simple_decorator'],
      connectors: ['filedir'],
      pluginOpts: { filedir: { archive_dir: archiveDir, results_dir: resultsDir }, probe: { extract: ['child'], extracted_dispatch_to: ['hash'] } },
    });
    const root = new Payload('root');

    const responses = await lastValueFrom(scanRequest(s.engine, new Request({ payloads: [root] }), ['probe']).pipe(toArray()));

    expect(responses).toHaveLength(1);
    const [response] = responses;
    expect(response!.results.map((r) => r.plugins_run.workers)).toEqual([['probe'], ['hash']]);
    expect(response!.results[1]!.extracted_from).toEqual([root.payload_id]);
    expect(response!.results.map((r) => r.plugins_run.archivers)).toEqual([['filedir'], ['filedir']]);
    const archived = response!.results.map((r) => readFileSync((r.archivers['filedir'] as { path: string }).path, 'utf8'));
    expect(archived).toEqual(['root', 'child']);
    expect(response!.decorators).toEqual({ simple_decorator: { simple_decoration: 123 } });
    expect(response!.errors).toEqual([]);
    // Connectors are the subscriber's business (connect).
    expect(readdirSync(resultsDir)).toEqual([]);
  });

  it('runs the start dispatch on the initial payloads only', async () => {
    const s = await setup({ pluginOpts: { probe: { extract: ['child'] } } });
    const response = await lastValueFrom(scanRequest(s.engine, new Request({ payloads: [new Payload('root')] }), ['probe', 'hash']));
    expect(response.results.map((r) => r.plugins_run.workers)).toEqual([['hash', 'probe'], []]);
  });

  it('records its payloads as not scanned when the signal it is given has aborted', async () => {
    const s = await setup();
    const controller = new AbortController();
    controller.abort(new Error('run stopped'));
    const payload = new Payload('x');
    const response = await lastValueFrom(scanRequest(s.engine, new Request({ payloads: [payload] }), ['probe'], controller.signal));
    expect(response.results[0]!.plugins_run.workers).toEqual([]);
    expect(response.errors.map((e) => [e.payload_id, e.code, e.error])).toEqual([
      [payload.payload_id, 'REQUEST_CANCELLED', 'Payload not scanned: the request was cancelled (run stopped)'],
    ]);
    expect((await s.plugin<Probe>('probe')).scanned).toEqual([]);
  });

  it('cancels work still running when the request deadline passes (option, else the engine’s)', async () => {
    for (const [engineTimeout, optionTimeout] of [
      [undefined, 0.05],
      [0.05, undefined],
    ] as const) {
      const s = await setup({ requestTimeout: engineTimeout });
      const response = await lastValueFrom(
        scanRequest(s.engine, new Request({ payloads: [new Payload('x')] }), ['sleeper'], { requestTimeout: optionTimeout }),
      );
      expect(response.errors.map((e) => [e.plugin_name, e.code])).toEqual([['sleeper', 'REQUEST_DEADLINE']]);
      expect(response.errors[0]!.error).toContain('request deadline of 0.05s passed');
    }
  });

  it('records every payload as not scanned when maxRecursion is 0', async () => {
    const s = await setup({ maxRecursion: 0 });
    const payloads = [new Payload('a'), new Payload('b')];
    const response = await lastValueFrom(scanRequest(s.engine, new Request({ payloads }), ['probe']));
    expect(response.errors.map((e) => [e.payload_id, e.code])).toEqual(payloads.map((p) => [p.payload_id, 'MAX_RECURSION']));
    expect((await s.plugin<Probe>('probe')).scanned).toEqual([]);
  });

  it('runs its @example as written', async () => {
    const results = tempDir();
    const s = await setup({ connectors: ['filedir'], pluginOpts: { filedir: { results_dir: results } } });
    const out = exampleConsole();
    await runExample(docExample('scan-request.ts', 'scanRequest'), { scanRequest, Request, Payload, connect, engine: s.engine, console: out.console });
    const [[json]] = (await out.logged(1)) as [[string]];
    const response = JSON.parse(json) as { scan_id: string; results: Array<{ workers: { hash: { sha256: string } } }> };
    expect(response.results[0]!.workers.hash.sha256).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    // connect saved it before it reached the subscriber.
    expect(existsSync(join(results, response.scan_id))).toBe(true);
  });
});
