import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom, from, lastValueFrom, of, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Payload, Request, type StoqResponse } from 'rxstoq';
import { connect, scanRequest, type Engine, type ScannedItem } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import { tempDir } from '../helpers/tmp.js';
import { docExample, exampleConsole, runExample, setup, openOneByOne } from './support.js';

const scan = (engine: Engine, text: string) => lastValueFrom(scanRequest(engine, new Request({ payloads: [new Payload(text)] }), ['hash']));
const saved = (dir: string, response: StoqResponse) => JSON.parse(readFileSync(join(dir, response.scan_id), 'utf8')) as { scan_id: string };

/** A results_dir the filedir connector cannot create (a regular file is in the way). */
function blockedDir(): string {
  const path = join(tempDir(), 'not-a-folder');
  writeFileSync(path, 'in the way');
  return path;
}

describe('connect', () => {
  it('has every connector save each response before passing it on', async () => {
    const results = tempDir();
    const s = await setup({ connectors: ['filedir'], pluginOpts: { filedir: { results_dir: results } } });
    const responses = await Promise.all([scan(s.engine, 'one'), scan(s.engine, 'two')]);
    const savedWhenPassed: boolean[] = [];

    const out = await lastValueFrom(
      from(responses).pipe(
        connect(s.engine),
        tap((r) => savedWhenPassed.push(existsSync(join(results, r.scan_id)))),
        toArray(),
      ),
    );

    expect(new Set(out)).toEqual(new Set(responses));
    expect(savedWhenPassed).toEqual([true, true]);
    for (const r of responses) {
      expect(saved(results, r).scan_id).toBe(r.scan_id);
      expect(r.errors).toEqual([]);
    }
    expect(s.failures).toEqual([]);
  });

  it('holds a response back until its connectors have finished saving it', async () => {
    const s = await setup({ connectors: ['gate'] });
    const gate = await s.plugin<Gate>('gate');
    const response = await scan(s.engine, 'held');
    const passed: StoqResponse[] = [];
    const done = lastValueFrom(
      of(response).pipe(
        connect(s.engine),
        tap((r) => passed.push(r)),
      ),
    );

    const [save] = await gate.whenHeld(1);
    expect(save).toMatchObject({ role: 'save', id: response.scan_id });
    expect(passed).toEqual([]);
    save!.open();
    expect(await done).toBe(response);
    expect(passed).toEqual([response]);
  });

  it('turns a connector failure into an error on the response and on engine.failures; the other connectors still save and the stream goes on', async () => {
    const s = await setup({ connectors: ['filedir', 'gate'], pluginOpts: { filedir: { results_dir: blockedDir() } } });
    const gate = await s.plugin<Gate>('gate');
    const response = await scan(s.engine, 'unlucky');
    const done = lastValueFrom(of(response).pipe(connect(s.engine), toArray()));
    (await gate.whenHeld(1))[0]!.open();

    expect(await done).toEqual([response]);
    expect(gate.calls).toBe(1);
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]).toMatchObject({ plugin_name: 'filedir', payload_id: null, code: 'CONNECTOR_FAILED' });
    expect(response.errors[0]!.error).toMatch(/^connector:failed to save: .*not-a-folder/);
    expect(s.failures).toEqual([{ stage: 'connector', plugin_name: 'filedir', error: response.errors[0]!.error, scan_id: response.scan_id }]);
  });

  it('saves every response of a ScannedItem and records connector failures on the item too', async () => {
    const results = tempDir();
    const ok = await setup({ connectors: ['filedir'], pluginOpts: { filedir: { results_dir: results } } });
    const item: ScannedItem = { item: new Payload('item'), responses: [await scan(ok.engine, 'a'), await scan(ok.engine, 'b')], errors: [] };
    expect(await firstValueFrom(of(item).pipe(connect(ok.engine)))).toBe(item);
    for (const r of item.responses) expect(saved(results, r).scan_id).toBe(r.scan_id);
    expect(item.errors).toEqual([]);

    const failing = await setup({ connectors: ['filedir'], pluginOpts: { filedir: { results_dir: blockedDir() } } });
    const bad: ScannedItem = { item: new Payload('item'), responses: [await scan(failing.engine, 'a'), await scan(failing.engine, 'b')], errors: [] };
    await firstValueFrom(of(bad).pipe(connect(failing.engine)));
    expect(bad.errors).toHaveLength(2);
    expect(bad.errors).toEqual(bad.responses.map((r) => r.errors[0]!.error));
    expect(failing.failures.map((f) => f.scan_id)).toEqual(bad.responses.map((r) => r.scan_id));
  });

  it('passes values straight through, synchronously, when the engine has no connectors', async () => {
    const s = await setup();
    const response = await scan(s.engine, 'nothing to save');
    const item: ScannedItem = { item: new Payload('x'), responses: [response], errors: [] };
    const seen: unknown[] = [];
    of(response)
      .pipe(connect(s.engine))
      .subscribe((v) => seen.push(v));
    of(item)
      .pipe(connect(s.engine))
      .subscribe((v) => seen.push(v));
    expect(seen).toEqual([response, item]);
    expect(seen[0]).toBe(response);
    expect(response.errors).toEqual([]);
  });

  it('saves at most `concurrency` values at once', async () => {
    const s = await setup({ connectors: ['gate'] });
    const gate = await s.plugin<Gate>('gate');
    const responses = await Promise.all(['a', 'b', 'c'].map((t) => scan(s.engine, t)));
    const done = lastValueFrom(from(responses).pipe(connect(s.engine, { concurrency: 1 }), toArray()));
    expect(
      await openOneByOne(
        gate,
        responses.map((r) => r.scan_id),
        done,
      ),
    ).toEqual(responses);
  });

  it('runs its @example as written', async () => {
    const results = tempDir();
    const s = await setup({ connectors: ['filedir'], pluginOpts: { filedir: { results_dir: results } } });
    const request = new Request({ payloads: [new Payload('hello')] });
    const out = exampleConsole();
    await runExample(docExample('connect.ts', 'connect'), { scanRequest, connect, engine: s.engine, request, console: out.console });
    const [[scanId]] = (await out.logged(1)) as [[string]];
    expect(JSON.parse(readFileSync(join(results, scanId), 'utf8')).scan_id).toBe(scanId);
  });
});
