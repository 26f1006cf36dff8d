import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Stoq, StoqPluginException, createLogger, type Demand, type IngestContext, type Payload } from 'rxstoq';
import type { DirmonPlugin } from './dirmon.js';
import { isNoise } from './noise.js';

const stoqs: Stoq[] = [];
async function loadDirmon(options: Record<string, unknown>): Promise<DirmonPlugin> {
  const stoq = new Stoq({ pluginOpts: { dirmon: options }, logLevel: 'silent' });
  stoqs.push(stoq);
  return (await stoq.loadPlugin('dirmon')) as DirmonPlugin;
}
afterAll(async () => {
  await Promise.all(stoqs.map((s) => s.close()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const unlimited: Demand = { acquire: async () => undefined };

interface Run {
  payloads: Payload[];
  completed: boolean;
  stop: () => void;
  unsubscribe: () => void;
  done: Promise<void>;
}

/** Subscribe to the provider and collect what it emits. */
async function watchWith(plugin: DirmonPlugin, demand: Demand = unlimited): Promise<Run> {
  const controller = new AbortController();
  const context: IngestContext = { signal: controller.signal, demand, log: createLogger({ level: 'silent' }) };
  const run = { payloads: [] as Payload[], completed: false } as Run;
  run.done = new Promise<void>((resolve, reject) => {
    const subscription = plugin.ingest(context).subscribe({
      next: (p) => run.payloads.push(p),
      error: reject,
      complete: () => {
        run.completed = true;
        resolve();
      },
    });
    run.unsubscribe = () => subscription.unsubscribe();
  });
  run.stop = () => controller.abort(new Error('test stops the run'));
  await plugin.whenWatching();
  return run;
}
const names = (run: Run) =>
  run.payloads.map((p) => relative(watched, join(p.payload_meta.extra_data['source_dir'] as string, p.payload_meta.extra_data['filename'] as string)));

let watched: string;
const runs: Run[] = [];
beforeEach(() => {
  watched = mkdtempSync(join(tmpdir(), 'rxstoq-dirmon-'));
});
afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.stop();
    await run.done;
  }
  rmSync(watched, { recursive: true, force: true });
});
const started = async (plugin: DirmonPlugin, demand?: Demand) => {
  const run = await watchWith(plugin, demand);
  runs.push(run);
  return run;
};

describe('dirmon', () => {
  it('emits files created in the folder and its subfolders, with filename and source_dir', async () => {
    const run = await started(await loadDirmon({ source_dir: watched, settle_ms: 50 }));
    writeFileSync(join(watched, 'first.txt'), 'one');
    mkdirSync(join(watched, 'sub'));
    writeFileSync(join(watched, 'sub', 'second.bin'), Buffer.from([1, 2, 3]));
    await vi.waitFor(() => expect(run.payloads).toHaveLength(2), { timeout: 5000, interval: 20 });
    expect(names(run).sort()).toEqual(['first.txt', join('sub', 'second.bin')]);
    const first = run.payloads.find((p) => p.payload_meta.extra_data['filename'] === 'first.txt')!;
    expect(first.payload_meta.extra_data).toEqual({ filename: 'first.txt', source_dir: watched });
    expect(first.content.toString()).toBe('one');
  });

  it('emits a file written slowly in chunks once, after it is complete', async () => {
    const run = await started(await loadDirmon({ source_dir: watched, settle_ms: 300 }));
    const path = join(watched, 'slow.log');
    const chunks = ['alpha;', 'beta;', 'gamma;', 'delta;', 'epsilon;', 'zeta;'];
    writeFileSync(path, chunks[0]!);
    for (const chunk of chunks.slice(1)) {
      await sleep(100);
      expect(run.payloads).toEqual([]);
      appendFileSync(path, chunk);
    }
    await vi.waitFor(() => expect(run.payloads).toHaveLength(1), { timeout: 5000, interval: 20 });
    expect(run.payloads[0]!.content.toString()).toBe(chunks.join(''));
    await sleep(600);
    expect(run.payloads).toHaveLength(1);
  });

  it('ignores editor, VCS and cache noise', async () => {
    const run = await started(await loadDirmon({ source_dir: watched, settle_ms: 50 }));
    for (const dir of ['.git', 'node_modules', '__pycache__', '.idea']) {
      mkdirSync(join(watched, dir));
      writeFileSync(join(watched, dir, 'inside.txt'), 'noise');
    }
    for (const name of ['a.swp', 'b.swx', 'c~', 'd.tmp', '.#e', '4913', 'f.pyc', 'g.pyo', 'h.pyd']) writeFileSync(join(watched, name), 'noise');
    writeFileSync(join(watched, 'real.txt'), 'signal');
    await vi.waitFor(() => expect(run.payloads).toHaveLength(1), { timeout: 5000, interval: 20 });
    await sleep(300);
    expect(names(run)).toEqual(['real.txt']);
  });

  it('reads a file only when the engine grants a credit', async () => {
    let grant!: () => void;
    const demand: Demand = {
      acquire: (signal) =>
        new Promise<void>((resolve, reject) => {
          grant = resolve;
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    };
    const run = await started(await loadDirmon({ source_dir: watched, settle_ms: 50 }), demand);
    writeFileSync(join(watched, 'waiting.txt'), 'old');
    await sleep(400);
    expect(run.payloads).toEqual([]);
    writeFileSync(join(watched, 'waiting.txt'), 'new');
    grant();
    await vi.waitFor(() => expect(run.payloads).toHaveLength(1), { timeout: 5000, interval: 20 });
    expect(run.payloads[0]!.content.toString()).toBe('new');
  });

  it('stops and completes when the run is aborted; later files are not emitted', async () => {
    const run = await watchWith(await loadDirmon({ source_dir: watched, settle_ms: 50 }));
    writeFileSync(join(watched, 'before.txt'), 'x');
    await vi.waitFor(() => expect(run.payloads).toHaveLength(1), { timeout: 5000, interval: 20 });
    run.stop();
    await run.done;
    expect(run.completed).toBe(true);
    writeFileSync(join(watched, 'after.txt'), 'y');
    await sleep(300);
    expect(names(run)).toEqual(['before.txt']);
  });

  it('stops when unsubscribed', async () => {
    const run = await watchWith(await loadDirmon({ source_dir: watched, settle_ms: 50 }));
    run.unsubscribe();
    writeFileSync(join(watched, 'after.txt'), 'y');
    await sleep(300);
    expect(run.payloads).toEqual([]);
  });

  it('requires an existing source_dir, resolved against the working directory', async () => {
    await expect(loadDirmon({})).rejects.toThrow(/source_dir is not set/);
    await expect(loadDirmon({ source_dir: join(watched, 'missing') })).rejects.toThrow(StoqPluginException);
    const relativeDir = relative(process.cwd(), watched);
    const run = await started(await loadDirmon({ source_dir: relativeDir, settle_ms: 50 }));
    writeFileSync(join(watched, 'rel.txt'), 'z');
    await vi.waitFor(() => expect(run.payloads).toHaveLength(1), { timeout: 5000, interval: 20 });
    expect(run.payloads[0]!.payload_meta.extra_data['source_dir']).toBe(watched);
  });
});

describe('dirmon noise filter', () => {
  it('judges only the part of the path below the watched folder', () => {
    expect(isNoise('/w', '/w/src/.git/HEAD')).toBe(true);
    expect(isNoise('/w', '/w/notes.txt')).toBe(false);
    expect(isNoise('/w', '/w/x.___jb_tmp___')).toBe(true);
    expect(isNoise('/proj/node_modules/inbox', '/proj/node_modules/inbox/file.bin')).toBe(false);
    expect(isNoise('/w', '/w')).toBe(false);
  });
});
