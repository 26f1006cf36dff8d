import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runProvidersPipeline } from '../../examples/providers-pipeline.js';
import { makeJpeg, sevenZip } from '../support/samples.js';

type Result = {
  payload_id: string;
  size: number;
  payload_meta: { extra_data: Record<string, unknown> };
  plugins_run: { workers: string[] };
  extracted_from: string[];
  extracted_by: string[];
  workers: Record<string, Record<string, unknown>>;
};
type SavedResponse = { results: Result[]; errors: Array<{ error: string; plugin_name: string | null }>; scan_id: string };

const EXIF_SHIPPED = existsSync(fileURLToPath(new URL('../../plugins/exif/exif.stoq.yaml', import.meta.url)));
const hashes = (bytes: Buffer) => ({
  sha256: createHash('sha256').update(bytes).digest('hex'),
  md5: createHash('md5').update(bytes).digest('hex'),
  sha1: createHash('sha1').update(bytes).digest('hex'),
});

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rxstoq-e2e-providers-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('providers pipeline example: dirmon → yara → hash/decompress/exif → filedir', () => {
  it('scans a zip dropped into the watched folder and saves one response with its members', async () => {
    const inbox = join(tmp, 'inbox');
    const results = join(tmp, 'results');
    const staging = join(tmp, 'staging');
    mkdirSync(inbox);
    mkdirSync(staging);
    const photo = join(staging, 'photo.jpg');
    writeFileSync(photo, makeJpeg());
    execFileSync('exiftool', ['-q', '-overwrite_original', '-Make=rxstoq', '-Model=TestCam', photo]);
    writeFileSync(join(staging, 'notes.txt'), 'meeting notes: nothing to see here\n');
    sevenZip(['a', '-tzip', join(tmp, 'photos.zip'), 'photo.jpg', 'notes.txt'], staging);
    const zipBytes = readFileSync(join(tmp, 'photos.zip'));

    const stop = new AbortController();
    const run = runProvidersPipeline({
      sourceDir: inbox,
      resultsDir: results,
      signal: stop.signal,
      settleMs: 100,
      logLevel: 'silent',
      onWatching: () => {
        // Written under a name the watcher ignores, then renamed: the archive appears complete.
        writeFileSync(join(inbox, 'photos.zip.tmp'), zipBytes);
        renameSync(join(inbox, 'photos.zip.tmp'), join(inbox, 'photos.zip'));
      },
    });
    try {
      await vi.waitFor(() => expect(existsSync(results) && readdirSync(results).filter((n) => !n.startsWith('.'))).toHaveLength(1), {
        timeout: 20_000,
        interval: 50,
      });
    } finally {
      stop.abort(new Error('test done'));
    }
    const summary = await run;
    expect(summary).toMatchObject({ items: 1, responses: 1 });

    const [file] = readdirSync(results);
    const saved = JSON.parse(readFileSync(join(results, file!), 'utf8')) as SavedResponse;
    expect(saved.scan_id).toBe(file);

    const byName = new Map(saved.results.map((r) => [r.payload_meta.extra_data['filename'], r]));
    const zip = byName.get('photos.zip')!;
    const jpeg = byName.get('photo.jpg')!;
    const notes = byName.get('notes.txt')!;
    expect(saved.results).toHaveLength(3);

    // The zip: found by dirmon, hashed, routed to decompress by the YARA dispatcher.
    expect(zip.payload_meta.extra_data).toEqual({ filename: 'photos.zip', source_dir: inbox });
    expect(zip.workers['hash']).toEqual(hashes(zipBytes));
    expect(zip.workers['decompress']).toEqual({});
    expect([...zip.plugins_run.workers].sort()).toEqual(['decompress', 'hash']);

    // Its members: extracted by decompress, hashed, the JPEG routed to exif.
    const jpegBytes = readFileSync(photo);
    for (const member of [jpeg, notes]) {
      expect(member.extracted_from).toEqual([zip.payload_id]);
      expect(member.extracted_by).toEqual(['decompress']);
    }
    expect(jpeg.workers['hash']).toEqual(hashes(jpegBytes));
    expect(notes.workers['hash']).toEqual(hashes(readFileSync(join(staging, 'notes.txt'))));
    expect(notes.plugins_run.workers).toEqual(['hash']);
    expect(jpeg.plugins_run.workers).toContain('exif');
    if (EXIF_SHIPPED) {
      expect(jpeg.workers['exif']).toMatchObject({ FileType: 'JPEG', Make: 'rxstoq', Model: 'TestCam' });
      expect(saved.errors).toEqual([]);
    } else {
      expect(saved.errors.some((e) => e.plugin_name === 'exif')).toBe(true);
    }
  });
});
