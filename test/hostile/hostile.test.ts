import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PayloadMeta, Stoq, type StoqResponse } from 'rxstoq';
import { hostileCorpus, oversizeFile, OVERSIZE_LIMIT, writeCorpus, type CorpusFile } from './corpus.js';
import { escapeTargets, existing, GiB, MiB, schemaErrors, tree, withPeakRss } from './support.js';

/**
 * The hostile corpus through the whole pipeline with the bundled plugins: the YARA dispatcher
 * routes archives to decompress and images/PDF to exif, hash runs on everything, filedir
 * archives payloads and saves results. For every file: the scan resolves, the response is valid
 * and says what happened, memory stays bounded, nothing lands outside results/ and archive/.
 */

const fixtures = (dir: string) => fileURLToPath(new URL(`../fixtures/${dir}/`, import.meta.url));
const MAX_EXTRACTED = 256 * MiB;
const RSS_BOUND = 1.5 * GiB;
const LIMIT_CODES = ['COMPRESSION_RATIO_LIMIT', 'EXTRACTED_BYTES_LIMIT', 'EXTRACTED_PER_PAYLOAD_LIMIT', 'EXTRACTED_PER_REQUEST_LIMIT'];

interface Result {
  size: number;
  payload_id: string;
  payload_meta: { extra_data: Record<string, unknown> };
  extracted_by: string[];
  extracted_from: string[];
  workers: Record<string, Record<string, unknown>>;
}
interface Json {
  results: Result[];
  errors: Array<{ error: string; plugin_name: string | null; payload_id: string | null; code?: string }>;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const extracted = (j: Json) => j.results.slice(1);
const messages = (j: Json) => j.errors.map((e) => `[${e.code ?? '-'}] ${e.plugin_name}: ${e.error}`);

/** A bomb: refused by a size budget (the plugin's or the engine's), never by running out of time. */
function refusedBomb(j: Json): void {
  const refusal = j.errors.filter((e) => LIMIT_CODES.includes(e.code ?? '') || (e.plugin_name === 'decompress' && /too large|exceed|limit/i.test(e.error)));
  expect(refusal.length, messages(j).join('\n')).toBeGreaterThan(0);
  expect(
    j.errors.filter((e) => e.code === 'PLUGIN_TIMEOUT' || /timed out/i.test(e.error)),
    messages(j).join('\n'),
  ).toEqual([]);
  expect(extracted(j).reduce((sum, r) => sum + r.size, 0)).toBeLessThanOrEqual(MAX_EXTRACTED);
}

/** Extracted names never climb out or start at the root. */
function containedNames(j: Json): void {
  for (const r of extracted(j)) {
    const name = String(r.payload_meta.extra_data['filename']);
    expect(name.startsWith('/'), name).toBe(false);
    expect(name.split('/'), name).not.toContain('..');
  }
}

/** Corrupt input to decompress: 7-Zip's own complaint is in the response. */
function decompressComplained(j: Json): void {
  expect(j.results[0]!.workers).toHaveProperty('decompress');
  expect(
    j.errors.some((e) => e.plugin_name === 'decompress' && e.error.length > 0),
    messages(j).join('\n'),
  ).toBe(true);
}

/** Corrupt input to exif: ExifTool's own warning or error is in the results. */
function exifComplained(j: Json): void {
  const exif = j.results[0]!.workers['exif'];
  expect(exif, messages(j).join('\n')).toBeDefined();
  expect(String(exif!['Warning'] ?? exif!['Error'] ?? '')).not.toBe('');
}

const PASSWD_SHA256 = sha256(readFileSync('/etc/passwd'));

const expectations: Record<string, (j: Json) => void> = {
  'bomb-10g.zip': refusedBomb,
  'bomb-12g.gz': refusedBomb,
  'bomb-sublimit.zip': refusedBomb,
  'nested-42.zip': (j) => {
    refusedBomb(j);
    // 16 identical children per level: deduplicated, one payload per level at most.
    expect(j.results.length).toBeLessThanOrEqual(6);
  },
  'quine.zip': (j) => {
    // The member is the archive itself: recognised as already seen, not scanned again.
    expect(j.results).toHaveLength(1);
    expect(j.results[0]!.extracted_by).toEqual(['decompress']);
    expect(j.errors).toEqual([]);
  },
  'traversal.zip': (j) => {
    containedNames(j);
    expect(extracted(j)).toHaveLength(5);
  },
  'traversal.tar': (j) => {
    containedNames(j);
    expect(extracted(j)).toHaveLength(5);
  },
  'symlinks.tar': (j) => {
    containedNames(j);
    expect(j.results.map((r) => r.workers['hash']?.['sha256'])).not.toContain(PASSWD_SHA256);
  },
  'symlinks.zip': (j) => {
    containedNames(j);
    expect(j.results.map((r) => r.workers['hash']?.['sha256'])).not.toContain(PASSWD_SHA256);
  },
  'symlinks.7z': (j) => {
    containedNames(j);
    expect(j.results.map((r) => r.workers['hash']?.['sha256'])).not.toContain(PASSWD_SHA256);
    expect(extracted(j).map((r) => r.payload_meta.extra_data['filename'])).toContain('plain.txt');
  },
  'truncated.zip': decompressComplained,
  'corrupt.zip': (j) => {
    decompressComplained(j);
    expect(j.errors.some((e) => /CRC|Data Error/i.test(e.error))).toBe(true);
    // The undamaged members still come out.
    expect(
      extracted(j)
        .map((r) => r.payload_meta.extra_data['filename'])
        .sort(),
    ).toEqual(['dir/data.bin', 'stored.txt']);
  },
  'truncated.7z': decompressComplained,
  'corrupt.7z': decompressComplained,
  'truncated.gz': decompressComplained,
  'corrupt.gz': decompressComplained,
  'truncated.jpg': exifComplained,
  'corrupt.jpg': exifComplained,
  'truncated.pdf': exifComplained,
  'corrupt.pdf': exifComplained,
  'truncated.exe': (j) => {
    expect(j.results[0]!.workers['hash']).toBeDefined();
    expect(j.errors).toEqual([]);
  },
  'corrupt.exe': (j) => {
    expect(j.results[0]!.workers['hash']).toBeDefined();
    expect(j.errors).toEqual([]);
  },
  'badname.zip': (j) => {
    expect(j.results[0]!.workers).toHaveProperty('decompress');
    for (const r of extracted(j)) expect(typeof r.payload_meta.extra_data['filename']).toBe('string');
  },
  empty: (j) => {
    expect(j.results[0]!.size).toBe(0);
    expect(j.results[0]!.workers['hash']?.['md5']).toBe('d41d8cd98f00b204e9800998ecf8427e');
  },
  'image.png': (j) => {
    expect(j.results[0]!.workers['exif']?.['FileType']).toBe('PNG');
    expect(j.errors).toEqual([]);
  },
  'oversize.bin': (j) => {
    expect(j.results).toHaveLength(1);
    expect(j.results[0]!.workers).toEqual({});
    expect(j.errors.map((e) => e.code)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(j.errors[0]!.error).toContain(`${OVERSIZE_LIMIT + 1} bytes exceeds the maximum payload size of ${OVERSIZE_LIMIT} bytes`);
  },
};
const NON_UTF8 = (j: Json) => {
  expect(j.results[0]!.workers['hash']).toBeDefined();
  expect(j.errors).toEqual([]);
};

describe('hostile corpus through the full pipeline', () => {
  let root: string;
  let cwd: string;
  let previousCwd: string;
  let files: Array<CorpusFile & { path: Buffer }>;
  let before: string[];
  let escapedBefore: string[];
  let stoq: Stoq;
  let peakRss = 0;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'rxstoq-hostile-'));
    files = writeCorpus(join(root, 'corpus'), [...hostileCorpus(), oversizeFile()]);
    // Anything written relative to the working directory would land here.
    cwd = join(root, 'cwd');
    mkdirSync(cwd);
    previousCwd = process.cwd();
    process.chdir(cwd);
    before = tree(root, [join(root, 'results'), join(root, 'archive')]);
    escapedBefore = existing(escapeTargets(root));
    stoq = new Stoq({
      baseDir: root,
      pluginDirList: [fixtures('engine-plugins'), fixtures('isolated-plugins'), fixtures('hostile-plugins')],
      dispatchers: ['yara'],
      alwaysDispatch: ['hash'],
      destArchivers: ['filedir'],
      connectors: ['filedir'],
      pluginOpts: {
        filedir: { results_dir: join(root, 'results'), archive_dir: join(root, 'archive') },
        spinner: { timeout: 0.5, threads: 1 },
      },
      limits: { maxPayloadSize: OVERSIZE_LIMIT, maxExtractedBytes: MAX_EXTRACTED },
      logLevel: 'silent',
    });
    await stoq.ready();
  });

  afterAll(async () => {
    await stoq?.close();
    process.chdir(previousCwd);
    rmSync(root, { recursive: true, force: true });
  });

  const scan = async (content: Buffer, filename: string, addStartDispatch: string[] = []): Promise<Json> => {
    const { value, peak } = await withPeakRss(() => stoq.scan(content, { payloadMeta: new PayloadMeta({ extra_data: { filename } }), addStartDispatch }));
    peakRss = Math.max(peakRss, peak);
    expect(schemaErrors(value)).toEqual([]);
    return JSON.parse(JSON.stringify(value as StoqResponse)) as Json;
  };

  const corpus = [...hostileCorpus().map((f) => ({ name: f.name, what: f.what })), { name: 'oversize.bin', what: oversizeFile().what }];
  it.each(corpus.map((f) => [typeof f.name === 'string' ? f.name : f.name.toString('utf8'), f.what, f.name] as const))(
    '%s (%s)',
    async (shown, _what, name) => {
      const file = files.find((f) => Buffer.from(f.name).equals(Buffer.from(name)))!;
      const j = await scan(readFileSync(file.path), shown);
      expect(j.results[0]!.size).toBe(file.bytes.byteLength);
      (typeof name === 'string' ? expectations[name]! : NON_UTF8)(j);
    },
    120_000,
  );

  describe('misbehaving plugins on an ordinary payload', () => {
    it('a worker that never returns (ignores its AbortSignal) is abandoned at its timeout', async () => {
      const j = await scan(Buffer.from('stuck'), 'stuck.txt', ['sleeper_stuck']);
      expect(j.results[0]!.workers['hash']).toBeDefined();
      expect(j.errors).toHaveLength(1);
      expect(j.errors[0]).toMatchObject({ plugin_name: 'sleeper_stuck', code: 'PLUGIN_TIMEOUT' });
      expect(j.errors[0]!.error).toContain('timed out after 0.5s');
    });

    it('a CPU-bound worker that never returns has its thread terminated; the next call gets a fresh one', async () => {
      for (const text of ['spin 1', 'spin 2']) {
        const j = await scan(Buffer.from(text), 'spin.txt', ['spinner']);
        expect(j.results[0]!.workers['hash']).toBeDefined();
        expect(j.errors.map((e) => [e.plugin_name, e.code])).toEqual([['spinner', 'PLUGIN_TIMEOUT']]);
      }
    });

    it('a worker that throws: its message is in the response, the other workers ran', async () => {
      const j = await scan(Buffer.from('throw'), 'throw.txt', ['garbage_throw']);
      expect(j.results[0]!.workers['hash']).toBeDefined();
      expect(j.errors).toHaveLength(1);
      expect(j.errors[0]!.plugin_name).toBe('garbage_throw');
      expect(j.errors[0]!.error).toContain('unexpected kind');
    });

    it.each(['garbage', 'garbage_extracted', 'garbage_dispatch'])('a worker that returns garbage (%s) gets INVALID_RESPONSE', async (name) => {
      const j = await scan(Buffer.from(`garbage from ${name}`), 'garbage.txt', [name]);
      expect(j.results[0]!.workers['hash']).toBeDefined();
      expect(j.errors.map((e) => [e.plugin_name, e.code])).toEqual([[name, 'INVALID_RESPONSE']]);
    });
  });

  it('memory stayed bounded and nothing was written outside results/ and archive/', () => {
    expect(peakRss).toBeLessThan(RSS_BOUND);
    expect(tree(root, [join(root, 'results'), join(root, 'archive')])).toEqual(before);
    expect(existing(escapeTargets(root))).toEqual(escapedBefore);
    // What was written is what filedir writes: payloads by SHA-1, under folders of its first 5 digits.
    for (const path of tree(join(root, 'archive'))) expect(path.slice(root.length)).toMatch(/^\/archive(\/[0-9a-f]){1,5}(\/[0-9a-f]{40})?$/);
    expect(tree(join(root, 'results')).length).toBeGreaterThan(0);
  });
});

describe('bad configuration never crashes and says what is wrong', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'rxstoq-badconf-'));

  it('a YARA rule file with a syntax error: the load error names the file, the line and the problem', async () => {
    const d = dir();
    const rules = join(d, 'broken.yar');
    writeFileSync(rules, 'rule fine { condition: true }\nrule broken {\n  strings: $a = "x"\n  condition: $a and\n}\n');
    const s = new Stoq({ baseDir: d, dispatchers: ['yara'], pluginOpts: { yara: { dispatch_rules: rules } }, logLevel: 'silent' });
    await expect(s.ready()).rejects.toThrow(new RegExp(`${rules}:5:1: .*syntax error`));
    await s.close();
    // Dispatched at scan time instead: the same message, as an error in the response.
    const t = new Stoq({ baseDir: d, alwaysDispatch: ['hash'], pluginOpts: { yara: { worker_rules: rules } }, logLevel: 'silent' });
    const r = await t.scan('payload', { addStartDispatch: ['yara'] });
    expect(r.results[0]!.workers['hash']).toBeDefined();
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ plugin_name: 'yara', code: 'PLUGIN_LOAD_FAILED' });
    expect(r.errors[0]!.error).toMatch(new RegExp(`${rules}:5:1: .*syntax error`));
    await t.close();
    rmSync(d, { recursive: true, force: true });
  });

  it.each([
    ['not YAML', 'core:\n  max_payload_size: [1\n', /Invalid config file .*stoq\.yaml: .*line 3/],
    ['a wrong type', 'core:\n  max_payload_size: lots\n', /Invalid config file .*stoq\.yaml: core\.max_payload_size: .*expected number/],
    ['a list at the top', '- a\n- b\n', /Invalid config file .*stoq\.yaml: \(top level\): .*expected object/],
  ])('a stoq.yaml that is %s is refused with one message naming the file and the key', (_what, text, message) => {
    const d = dir();
    writeFileSync(join(d, 'stoq.yaml'), text);
    expect(() => new Stoq({ baseDir: d, logLevel: 'silent' })).toThrow(message);
    rmSync(d, { recursive: true, force: true });
  });

  it('plugin manifests that are not YAML or have a key of the wrong type: skipped, and asking for them says why', async () => {
    const d = dir();
    const s = new Stoq({ baseDir: d, pluginDirList: [fixtures('bad-manifests')], alwaysDispatch: ['hash'], logLevel: 'silent' });
    await s.ready();
    const r = await s.scan('payload', { addStartDispatch: ['broken_yaml', 'wrong_type'] });
    expect(r.results[0]!.workers['hash']).toBeDefined();
    const byPlugin = new Map(r.errors.map((e) => [e.plugin_name, e]));
    expect(byPlugin.get('broken_yaml')?.code).toBe('PLUGIN_LOAD_FAILED');
    expect(byPlugin.get('broken_yaml')?.error).toMatch(/broken_yaml\.stoq\.yaml: not valid YAML/);
    expect(byPlugin.get('wrong_type')?.code).toBe('PLUGIN_LOAD_FAILED');
    expect(byPlugin.get('wrong_type')?.error).toMatch(/wrong_type\.stoq\.yaml: required_workers: .*expected array.*options: .*expected record/);
    await s.close();
    rmSync(d, { recursive: true, force: true });
  });
});
