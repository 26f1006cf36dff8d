import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ArchiverResponse, Payload, Request, Stoq, StoqResponse, createLogger, type Demand, type IngestContext } from 'rxstoq';
import type { FileDirPlugin } from './filedir.js';
import { strftime } from './strftime.js';

const stoqs: Stoq[] = [];
async function loadFiledir(options: Record<string, unknown>): Promise<FileDirPlugin> {
  const stoq = new Stoq({ pluginOpts: { filedir: options }, logLevel: 'silent' });
  stoqs.push(stoq);
  return (await stoq.loadPlugin('filedir')) as FileDirPlugin;
}
afterAll(async () => {
  await Promise.all(stoqs.map((s) => s.close()));
});

/** Credits granted one at a time by the test, to see when the provider reads. */
class ManualDemand implements Demand {
  #credits = 0;
  #waiting: Array<() => void> = [];
  acquire(): Promise<void> {
    if (this.#credits > 0) {
      this.#credits--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
  grant(n = 1): void {
    for (let i = 0; i < n; i++) {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#credits++;
    }
  }
}
const unlimited: Demand = { acquire: async () => undefined };
const ingestContext = (demand: Demand = unlimited, signal = new AbortController().signal): IngestContext => ({
  signal,
  demand,
  log: createLogger({ level: 'silent' }),
});

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rxstoq-filedir-'));
  return () => rmSync(tmp, { recursive: true, force: true });
});

function makeTree(root: string): void {
  mkdirSync(join(root, 'sub', 'deeper'), { recursive: true });
  mkdirSync(join(root, '.hidden'));
  writeFileSync(join(root, 'a.txt'), 'A');
  writeFileSync(join(root, 'b.bin'), Buffer.from([0, 1, 2, 255]));
  writeFileSync(join(root, '.dotfile'), 'hidden');
  writeFileSync(join(root, 'sub', 'c.txt'), 'C');
  writeFileSync(join(root, 'sub', 'deeper', 'd.txt'), 'D');
  writeFileSync(join(root, '.hidden', 'e.txt'), 'E');
  symlinkSync(join(root, 'a.txt'), join(root, 'link-to-a'));
  symlinkSync(root, join(root, 'sub', 'loop'));
}

describe('filedir provider', () => {
  it('reads the files of a folder, skipping folders, dot-files and links to folders', async () => {
    const src = join(tmp, 'src');
    makeTree(src);
    const plugin = await loadFiledir({ source_dir: src });
    const payloads = await lastValueFrom(plugin.ingest(ingestContext()).pipe(toArray()));
    expect(payloads.map((p) => p.payload_meta.extra_data)).toEqual([
      { filename: 'a.txt', source_dir: src },
      { filename: 'b.bin', source_dir: src },
      { filename: 'link-to-a', source_dir: src },
    ]);
    expect(payloads.map((p) => p.content.toString('latin1'))).toEqual(['A', '\x00\x01\x02\xff', 'A']);
  });

  it('walks subfolders with recursive, still skipping dot-folders', async () => {
    const src = join(tmp, 'src');
    makeTree(src);
    const plugin = await loadFiledir({ source_dir: src, recursive: 'true' });
    const payloads = await lastValueFrom(plugin.ingest(ingestContext()).pipe(toArray()));
    expect(payloads.map((p) => join(p.payload_meta.extra_data['source_dir'] as string, p.payload_meta.extra_data['filename'] as string))).toEqual([
      join(src, 'a.txt'),
      join(src, 'b.bin'),
      join(src, 'link-to-a'),
      join(src, 'sub', 'c.txt'),
      join(src, 'sub', 'deeper', 'd.txt'),
    ]);
  });

  it('reads a single file when source_dir names a file', async () => {
    writeFileSync(join(tmp, 'one.txt'), 'only me');
    const plugin = await loadFiledir({ source_dir: join(tmp, 'one.txt') });
    const payloads = await lastValueFrom(plugin.ingest(ingestContext()).pipe(toArray()));
    expect(payloads).toHaveLength(1);
    expect(payloads[0]!.payload_meta.extra_data).toEqual({ filename: 'one.txt', source_dir: tmp });
  });

  it('reads a file only when the engine grants a credit', async () => {
    const src = join(tmp, 'src');
    mkdirSync(src);
    for (const n of [1, 2, 3]) writeFileSync(join(src, `${n}.txt`), `v${n}`);
    const plugin = await loadFiledir({ source_dir: src });
    const demand = new ManualDemand();
    const seen: string[] = [];
    let completed = false;
    plugin.ingest(ingestContext(demand)).subscribe({ next: (p) => seen.push(p.content.toString()), complete: () => (completed = true) });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
    // Changed before its credit is granted: the provider must read the file then, not earlier.
    writeFileSync(join(src, '1.txt'), 'changed before read');
    demand.grant();
    // Waited for, not slept on: a loaded machine may take longer than any fixed pause.
    await vi.waitFor(() => expect(seen).toEqual(['changed before read']), { timeout: 5000 });
    demand.grant(3);
    await vi.waitFor(() => expect(completed).toBe(true), { timeout: 5000 });
    expect(seen).toEqual(['changed before read', 'v2', 'v3']);
  });

  it('skips a file that vanished before it was read, and goes on', async () => {
    const src = join(tmp, 'src');
    mkdirSync(src);
    for (const n of [1, 2, 3]) writeFileSync(join(src, `${n}.txt`), `v${n}`);
    const plugin = await loadFiledir({ source_dir: src });
    const demand = new ManualDemand();
    const seen: string[] = [];
    const done = new Promise<void>((resolve) =>
      plugin.ingest(ingestContext(demand)).subscribe({ next: (p) => seen.push(p.content.toString()), complete: resolve }),
    );
    demand.grant();
    await vi.waitFor(() => expect(seen).toEqual(['v1']), { timeout: 5000 });
    rmSync(join(src, '2.txt'));
    demand.grant(5);
    await done;
    expect(seen).toEqual(['v1', 'v3']);
  });

  it('fails clearly without source_dir, or with one that does not exist', async () => {
    const none = await loadFiledir({});
    expect(() => none.ingest(ingestContext())).toThrow(/source_dir is not set/);
    const missing = await loadFiledir({ source_dir: join(tmp, 'nope') });
    await expect(lastValueFrom(missing.ingest(ingestContext()))).rejects.toThrow(`source_dir ${join(tmp, 'nope')} does not exist`);
  });
});

describe('filedir connector', () => {
  const response = () => new StoqResponse({ request: new Request({ payloads: [new Payload('saved content')] }) });

  it('writes each response as one line of compact JSON named by scan_id', async () => {
    const plugin = await loadFiledir({ results_dir: join(tmp, 'results') });
    const r = response();
    await plugin.save(r);
    const text = readFileSync(join(tmp, 'results', r.scan_id), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(r)));
    expect(readdirSync(join(tmp, 'results'))).toEqual([r.scan_id]);
  });

  it('indents when compactly is false, and files by date with date_mode', async () => {
    const plugin = await loadFiledir({ results_dir: join(tmp, 'results'), compactly: false, date_mode: true, date_format: '%Y-%m/%d' });
    const r = response();
    const before = strftime('%Y-%m/%d', new Date());
    await plugin.save(r);
    const after = strftime('%Y-%m/%d', new Date());
    const path = [before, after].map((d) => join(tmp, 'results', d, r.scan_id)).find((p) => existsSync(p))!;
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('\n    "results": [');
  });

  it('never overwrites an existing result', async () => {
    const plugin = await loadFiledir({ results_dir: join(tmp, 'results') });
    const r = response();
    mkdirSync(join(tmp, 'results'));
    writeFileSync(join(tmp, 'results', r.scan_id), 'already here');
    await expect(plugin.save(r)).rejects.toThrow(/already exists; it was not overwritten/);
    expect(readFileSync(join(tmp, 'results', r.scan_id), 'utf8')).toBe('already here');
    expect(readdirSync(join(tmp, 'results'))).toEqual([r.scan_id]);
  });

  it('never shows a reader a partial file: the name appears only once the content is complete', async () => {
    const plugin = await loadFiledir({ results_dir: join(tmp, 'results') });
    const big = new StoqResponse({ request: new Request({ payloads: [new Payload('x')] }) });
    big.results[0]!.workers['bulk'] = { text: 'y'.repeat(8_000_000) };
    const expected = `${JSON.stringify(big)}\n`.length;
    const path = join(tmp, 'results', big.scan_id);
    const sizes = new Set<number>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        try {
          sizes.add(readFileSync(path).length);
        } catch {
          // not there yet
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    await plugin.save(big);
    watching = false;
    await watcher;
    sizes.add(readFileSync(path).length);
    expect([...sizes]).toEqual([expected]);
    expect(readdirSync(join(tmp, 'results'))).toEqual([big.scan_id]);
  });

  it('refuses a date_format with directives it does not implement', async () => {
    await expect(loadFiledir({ date_format: '%Y/%j' })).rejects.toThrow(/date_format/);
  });
});

describe('filedir archiver', () => {
  it('stores content under its SHA-1, split into five one-letter folders, and reads it back', async () => {
    const archiveDir = join(tmp, 'archive');
    const plugin = await loadFiledir({ archive_dir: archiveDir });
    const payload = new Payload(Buffer.from('archive me \x00\xff', 'latin1'));
    const sha1 = createHash('sha1').update(payload.content).digest('hex');
    const response = await plugin.archive(payload);
    const path = join(archiveDir, ...sha1.slice(0, 5), sha1);
    expect(response.results).toEqual({ path });
    expect(readFileSync(path).equals(payload.content)).toBe(true);

    const fetched = await plugin.get(new ArchiverResponse({ results: { path, note: 'from a queue' } }));
    expect(fetched.content.equals(payload.content)).toBe(true);
    expect(fetched.payload_meta.extra_data).toEqual({ path, note: 'from a queue' });
  });

  it('keeps an existing archived file', async () => {
    const archiveDir = join(tmp, 'archive');
    const plugin = await loadFiledir({ archive_dir: archiveDir });
    const payload = new Payload('same bytes');
    const first = await plugin.archive(payload);
    const path = first.results!['path'] as string;
    writeFileSync(path, 'marker: not replaced');
    expect((await plugin.archive(new Payload('same bytes'))).results).toEqual({ path });
    expect(readFileSync(path, 'utf8')).toBe('marker: not replaced');
    expect(readdirSync(join(path, '..'))).toEqual([path.split('/').pop()]);
  });

  it('names files by payload_id, by date with date_mode, when use_sha is off', async () => {
    const archiveDir = join(tmp, 'archive');
    const plain = await loadFiledir({ archive_dir: archiveDir, use_sha: false });
    const payload = new Payload('by id');
    expect((await plain.archive(payload)).results).toEqual({ path: join(archiveDir, payload.payload_id) });
    const dated = await loadFiledir({ archive_dir: archiveDir, use_sha: false, date_mode: true, date_format: '%Y' });
    const other = new Payload('by date');
    const path = (await dated.archive(other)).results!['path'] as string;
    expect([join(archiveDir, strftime('%Y', new Date()), other.payload_id)]).toContain(path);
    expect((await dated.get(new ArchiverResponse({ results: { path } }))).content.toString()).toBe('by date');
  });

  it('refuses to read paths outside archive_dir, including through links and "..", and relative paths resolve inside it', async () => {
    const archiveDir = join(tmp, 'archive');
    const plugin = await loadFiledir({ archive_dir: archiveDir });
    const stored = (await plugin.archive(new Payload('inside'))).results!['path'] as string;
    writeFileSync(join(tmp, 'secret.txt'), 'outside');
    symlinkSync(join(tmp, 'secret.txt'), join(archiveDir, 'sneaky'));
    const refuse = (path: string) => expect(plugin.get(new ArchiverResponse({ results: { path } }))).rejects.toThrow(/outside archive_dir/);
    await refuse(join(tmp, 'secret.txt'));
    await refuse(join(archiveDir, '..', 'secret.txt'));
    await refuse('../secret.txt');
    await refuse(join(archiveDir, 'sneaky'));
    await refuse(archiveDir);
    await expect(plugin.get(new ArchiverResponse({ results: {} }))).rejects.toThrow(/no "path"/);
    const relativePath = stored.slice(archiveDir.length + 1);
    expect((await plugin.get(new ArchiverResponse({ results: { path: relativePath } }))).content.toString()).toBe('inside');
  });
});

describe('strftime', () => {
  it('formats the supported directives like Python', () => {
    const d = new Date(2024, 0, 5, 7, 8, 9);
    expect(strftime('%Y/%m/%d %H:%M:%S %%', d)).toBe('2024/01/05 07:08:09 %');
    expect(() => strftime('%Q', d)).toThrow(/unsupported strftime directive %Q/);
  });
});
