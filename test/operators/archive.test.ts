import { readFileSync } from 'node:fs';
import { from, lastValueFrom, tap, toArray, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Payload, PayloadMeta, Request, RequestMeta } from 'rxstoq';
import { archive, createScanContext } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';
import { tempDir } from '../helpers/tmp.js';
import { docExample, runExample, setup, type SetupOptions, openOneByOne } from './support.js';

interface SimpleArchiver {
  RAISE_EXCEPTION: boolean;
  RETURN_ERRORS: boolean;
}

async function archiving(options: SetupOptions, payloads: Payload[], requestMeta?: RequestMeta) {
  const s = await setup(options);
  const ctx = createScanContext(s.engine, new Request({ payloads, request_meta: requestMeta }));
  return { ...s, ctx };
}

describe('archive', () => {
  it('hands each payload to the destination archivers and records what they answered', async () => {
    const payload = new Payload('keep me');
    const { ctx } = await archiving({ destArchivers: ['filedir'], pluginOpts: { filedir: { archive_dir: tempDir() } } }, [payload]);

    const out = await lastValueFrom(from(ctx.request.payloads).pipe(archive(ctx), toArray()));

    expect(out).toEqual([payload]);
    expect(payload.results.plugins_run.archivers).toEqual(['filedir']);
    const { path } = payload.results.archivers['filedir'] as { path: string };
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    expect(ctx.request.errors).toEqual([]);
  });

  it('lists every archiver tried in configuration order, whatever happened and whichever finished first', async () => {
    const payload = new Payload('x');
    const { ctx, plugin } = await archiving({ destArchivers: ['gate', 'simple_archiver'] }, [payload]);
    (await plugin<SimpleArchiver>('simple_archiver')).RAISE_EXCEPTION = true;
    const gate = await plugin<Gate>('gate');
    const done = lastValueFrom(from(ctx.request.payloads).pipe(archive(ctx), toArray()));
    (await gate.whenHeld(1))[0]!.open();
    await done;

    expect(payload.results.plugins_run.archivers).toEqual(['gate', 'simple_archiver']);
    expect(payload.results.archivers).toEqual({ gate: { opened: true } });
    expect(ctx.request.errors).toHaveLength(1);
    expect(ctx.request.errors[0]).toMatchObject({ plugin_name: 'simple_archiver', payload_id: payload.payload_id });
    expect(ctx.request.errors[0]!.error).toMatch(/^archiver:failed to archive: .*Error: Test exception please ignore$/);
  });

  it('adds the errors an archiver returns to the request, keeping its results', async () => {
    const payload = new Payload('x');
    const { ctx, plugin } = await archiving({ destArchivers: ['simple_archiver'] }, [payload]);
    (await plugin<SimpleArchiver>('simple_archiver')).RETURN_ERRORS = true;
    await lastValueFrom(from(ctx.request.payloads).pipe(archive(ctx), toArray()));
    expect(payload.results.archivers).toEqual({ simple_archiver: { file_save_id: 12345 } });
    expect(ctx.request.errors.map((e) => [e.plugin_name, e.payload_id, e.error])).toEqual([
      ['simple_archiver', payload.payload_id, 'Test error please ignore'],
    ]);
  });

  it('archives nothing when the request says archive_payloads: false, and skips payloads with should_archive: false', async () => {
    const a = new Payload('a');
    const b = new Payload('b', new PayloadMeta({ should_archive: false }));
    const off = await archiving({ destArchivers: ['simple_archiver'] }, [a], new RequestMeta({ archive_payloads: false }));
    expect(await lastValueFrom(from(off.ctx.request.payloads).pipe(archive(off.ctx), toArray()))).toEqual([a]);
    expect(a.results.plugins_run.archivers).toEqual([]);

    const c = new Payload('c');
    const on = await archiving({ destArchivers: ['simple_archiver'] }, [b, c]);
    expect(await lastValueFrom(from(on.ctx.request.payloads).pipe(archive(on.ctx), toArray()))).toEqual([b, c]);
    expect(b.results.plugins_run.archivers).toEqual([]);
    expect(b.results.archivers).toEqual({});
    expect(c.results.archivers).toEqual({ simple_archiver: { file_save_id: 12345 } });
  });

  it('archives at most `concurrency` payloads at once', async () => {
    const payloads = ['a', 'b', 'c'].map((t) => new Payload(t));
    const { ctx, plugin } = await archiving({ destArchivers: ['gate'] }, payloads);
    const gate = await plugin<Gate>('gate');
    const done = lastValueFrom(from(ctx.request.payloads).pipe(archive(ctx, 1), toArray()));
    expect(
      await openOneByOne(
        gate,
        payloads.map((p) => p.payload_id),
        done,
      ),
    ).toEqual(payloads);
  });

  it('runs its @example as written', async () => {
    const payloads = [new Payload('one'), new Payload('two')];
    const { ctx } = await archiving({ destArchivers: ['filedir'], pluginOpts: { filedir: { archive_dir: tempDir() } } }, payloads);
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    // The example's own toArray, telling the test when the stage has completed.
    const toArrayThenTell = () => (source: Observable<unknown>) => source.pipe(toArray(), tap({ complete: finished }));
    await runExample(docExample('archive.ts', 'archive'), { from, archive, toArray: toArrayThenTell, ctx });
    await done;
    expect(payloads.map((p) => readFileSync((p.results.archivers['filedir'] as { path: string }).path, 'utf8'))).toEqual(['one', 'two']);
  });
});
