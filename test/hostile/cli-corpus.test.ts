import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, STOQ_BIN } from '../helpers/cli.js';
import { hostileCorpus, oversizeFile, OVERSIZE_LIMIT, writeCorpus, type CorpusFile } from './corpus.js';
import { escapeTargets, existing, GiB, schemaErrors, tree } from './support.js';

/**
 * `stoq scan <corpus dir> -a hash -R yara` with the built CLI: one NDJSON line per file, each a
 * valid response saying what happened, exit status 1 because one input could not be read, and
 * bounded memory (GNU time's peak RSS over the whole run, worker threads included).
 *
 * The unreadable input is a FIFO. As root, chmod 000 does not stop a read, but a FIFO is never a
 * regular file: the CLI opens it without blocking, sees it is not a file and records
 * INPUT_UNREADABLE ("ENOTFILE") instead of hanging on it or skipping it.
 */

interface Line {
  results: Array<{ size: number; payload_meta: { extra_data: { filename: string } }; workers: Record<string, unknown> }>;
  errors: Array<{ error: string; plugin_name: string | null; code?: string }>;
}

const RSS_BOUND_KIB = (1.5 * GiB) / 1024;

describe('stoq scan over the hostile corpus', () => {
  let root: string;
  let home: string;
  let cwd: string;
  let files: Array<CorpusFile & { path: Buffer }>;
  const env = () => ({ ...cleanEnv(), STOQ_HOME: home, HOME: home });

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'rxstoq-hostile-cli-'));
    home = join(root, 'home');
    cwd = join(root, 'cwd');
    mkdirSync(home);
    mkdirSync(cwd);
    writeFileSync(join(home, 'stoq.yaml'), `core:\n  max_payload_size: ${OVERSIZE_LIMIT}\n`);
    files = writeCorpus(join(root, 'corpus'), [...hostileCorpus(), oversizeFile()]);
    execFileSync('mkfifo', [join(root, 'corpus', 'fifo')]);
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('prints one valid response per file, says what happened, exits 1 for the unreadable FIFO, and stays within memory', () => {
    const escapedBefore = existing(escapeTargets(root));
    const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, STOQ_BIN, 'scan', join(root, 'corpus'), '-a', 'hash', '-R', 'yara'], {
      encoding: 'utf8',
      cwd,
      env: env(),
      maxBuffer: 256 * 1024 * 1024,
      timeout: 110_000,
    });
    expect(run.signal).toBeNull();
    expect(run.status, run.stderr).toBe(1);
    const stderr = run.stderr.trim().split('\n');
    expect(stderr).toContain(`stoq: cannot read ${join(root, 'corpus', 'fifo')}: ENOTFILE`);
    expect(stderr).toContain('stoq: error: 1 input(s) could not be read (see messages above)');
    expect(Number(stderr.at(-1))).toBeLessThan(RSS_BOUND_KIB);

    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(lines).toHaveLength(files.length + 1);
    for (const line of lines) expect(schemaErrors(line)).toEqual([]);
    const byName = new Map(lines.map((l) => [l.results[0]!.payload_meta.extra_data.filename, l]));
    expect([...byName.keys()].sort()).toEqual([...files.map((f) => Buffer.from(f.name).toString('utf8')), 'fifo'].sort());

    const codes = (name: string) => byName.get(name)!.errors.map((e) => e.code);
    expect(codes('fifo')).toEqual(['INPUT_UNREADABLE']);
    expect(byName.get('fifo')!.errors[0]!.error).toContain('ENOTFILE');
    expect(codes('oversize.bin')).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(byName.get('oversize.bin')!.results[0]!.size).toBe(OVERSIZE_LIMIT + 1);
    for (const bomb of ['bomb-10g.zip', 'bomb-12g.gz', 'bomb-sublimit.zip', 'nested-42.zip']) {
      const errors = byName.get(bomb)!.errors;
      expect(
        errors.some((e) => e.plugin_name === 'decompress' && /too large|exceed/.test(e.error)),
        bomb,
      ).toBe(true);
      expect(
        errors.some((e) => e.code === 'PLUGIN_TIMEOUT' || /timed out/i.test(e.error)),
        bomb,
      ).toBe(false);
    }
    for (const file of files) {
      const line = byName.get(Buffer.from(file.name).toString('utf8'))!;
      expect(line.results[0]!.size).toBe(file.bytes.byteLength);
    }
    // Nothing written next to the process or where a traversal member would land.
    expect(tree(cwd)).toEqual([]);
    expect(existing(escapeTargets(root))).toEqual(escapedBefore);
  }, 120_000);

  it('a file deleted between discovery and read gets a response saying it could not be read', () => {
    const dir = join(root, 'vanishing');
    mkdirSync(dir);
    const victims = ['one.txt', 'two.txt'].map((n) => join(dir, n));
    for (const v of victims) writeFileSync(v, `I am ${v}\n`);
    // One file at a time: the walk has already listed both when the first one's scan deletes the other.
    const run = spawnSync(
      process.execPath,
      [
        STOQ_BIN,
        'scan',
        dir,
        '--concurrency',
        '1',
        '-a',
        'hash',
        '-s',
        'vanisher',
        '--plugin-dir',
        join(ROOT, 'test/fixtures/cli-plugins'),
        '--plugin-opts',
        `vanisher:victims=${JSON.stringify(victims)}`,
      ],
      { encoding: 'utf8', cwd, env: env(), timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(1);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(lines).toHaveLength(2);
    const [scanned, vanished] = lines[0]!.errors.length === 0 ? [lines[0]!, lines[1]!] : [lines[1]!, lines[0]!];
    const removed = (scanned.results[0]!.workers['vanisher'] as { removed: string[] }).removed;
    expect(removed).toHaveLength(1);
    expect(vanished.results[0]!.payload_meta.extra_data.filename).toBe(removed[0]);
    expect(vanished.errors.map((e) => e.code)).toEqual(['INPUT_UNREADABLE']);
    expect(vanished.errors[0]!.error).toContain('ENOENT');
    expect(run.stderr).toContain(`stoq: cannot read ${join(dir, removed[0]!)}: ENOENT`);
  });

  it.each([
    [
      'a YARA rule file with a syntax error',
      (d: string) => {
        writeFileSync(join(d, 'broken.yar'), 'rule broken {\n  condition: and\n}\n');
        return ['-R', 'yara', '--plugin-opts', `yara:dispatch_rules=${join(d, 'broken.yar')}`];
      },
      (d: string) => new RegExp(`^stoq: error: .*${join(d, 'broken.yar')}:2:\\d+: .*syntax error`),
    ],
    [
      'a stoq.yaml that is not YAML',
      (d: string) => {
        writeFileSync(join(d, 'stoq.yaml'), 'core:\n  dispatchers: [yara\n');
        return ['--config-file', join(d, 'stoq.yaml')];
      },
      (d: string) => new RegExp(`^stoq: error: Invalid config file ${join(d, 'stoq.yaml')}: `),
    ],
    [
      'a stoq.yaml with a wrong type',
      (d: string) => {
        writeFileSync(join(d, 'stoq.yaml'), 'core:\n  max_recursion: deep\n');
        return ['--config-file', join(d, 'stoq.yaml')];
      },
      (d: string) => new RegExp(`^stoq: error: Invalid config file ${join(d, 'stoq.yaml')}: core\\.max_recursion: `),
    ],
    [
      'a plugin whose manifest is not YAML',
      () => ['-a', 'broken_yaml', '--plugin-dir', join(ROOT, 'test/fixtures/bad-manifests')],
      () => /^stoq: error: The plugin "broken_yaml" is invalid .*broken_yaml\.stoq\.yaml: not valid YAML/,
    ],
    [
      'a plugin whose manifest has a key of the wrong type',
      () => ['-a', 'wrong_type', '--plugin-dir', join(ROOT, 'test/fixtures/bad-manifests')],
      () => /^stoq: error: The plugin "wrong_type" is invalid .*wrong_type\.stoq\.yaml: required_workers: /,
    ],
  ])('%s: one line on stderr saying what is wrong, exit 2, no stack trace', (_what, setup, message) => {
    const d = mkdtempSync(join(root, 'conf-'));
    writeFileSync(join(d, 'input.txt'), 'some input');
    const run = spawnSync(process.execPath, [STOQ_BIN, 'scan', join(d, 'input.txt'), ...setup(d), '--log-level', 'silent'], {
      encoding: 'utf8',
      cwd,
      env: env(),
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stdout).toBe('');
    const errLines = run.stderr.trim().split('\n');
    expect(errLines, run.stderr).toHaveLength(1);
    expect(errLines[0]).toMatch(message(d));
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
