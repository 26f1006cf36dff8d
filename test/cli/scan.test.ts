import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ROOT, stoq } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ajv = new Ajv2020({ strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schema/stoq-response.schema.json'), 'utf8')));
const digest = (tool: string, file: string) => execFileSync(tool, [file], { encoding: 'utf8' }).split(' ')[0];

describe('stoq scan FILE -a hash', () => {
  it('prints one indented response whose hashes equal md5sum/sha1sum/sha256sum', () => {
    const dir = tempDir();
    const file = join(dir, 'sample.bin');
    writeFileSync(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const out = stoq(['scan', file, '-a', 'hash']);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout.startsWith('{\n    "results": [')).toBe(true);
    const r = JSON.parse(out.stdout);
    expect(r.results[0].workers.hash).toEqual({
      sha256: digest('sha256sum', file),
      md5: digest('md5sum', file),
      sha1: digest('sha1sum', file),
    });
    expect(r.results[0].payload_meta.extra_data.filename).toBe('sample.bin');
    expect(validate(r)).toBe(true);
  });

  it('reads stdin with "-" and with no argument', () => {
    for (const args of [
      ['scan', '-', '-a', 'hash'],
      ['scan', '-a', 'hash'],
    ]) {
      const out = stoq(args, { input: 'The quick brown fox' });
      expect(out.status).toBe(0);
      expect(JSON.parse(out.stdout).results[0].workers.hash.md5).toBe('a2004f37730b9445670a738fa0fc9ee5');
    }
  });

  it('passes request metadata and typed plugin options through', () => {
    const out = stoq(['scan', '-', '-a', 'hash', '--request-source', 'cli-test', '--request-extra', 'case=42', 'flag=true', 'who=me'], {
      input: 'x',
    });
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout).request_meta).toEqual({ archive_payloads: true, source: 'cli-test', extra_data: { case: 42, flag: true, who: 'me' } });
  });

  it('records a dispatched plugin that does not exist as an error, not a crash', () => {
    const out = stoq(['scan', '-', '-s', 'no_such_worker'], { input: 'x' });
    expect(out.status).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].plugin_name).toBe('no_such_worker');
    expect(r.errors[0].error).toContain('does not exist in your plugin path');
  });
});

describe('stoq scan: bad input gets one line on stderr and a non-zero exit', () => {
  const oneLine = (s: string) => expect(s.trim().split('\n')).toHaveLength(1);

  it('empty file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'empty'), '');
    const out = stoq(['scan', join(dir, 'empty'), '-a', 'hash']);
    expect(out.status).toBe(2);
    expect(out.stdout).toBe('');
    oneLine(out.stderr);
    expect(out.stderr).toContain('was empty');
  });

  it('missing and unreadable files', () => {
    const dir = tempDir();
    const missing = stoq(['scan', join(dir, 'nope'), '-a', 'hash']);
    expect(missing.status).toBe(1);
    oneLine(missing.stderr);
    expect(missing.stderr).toContain('no such file');
    const locked = join(dir, 'locked');
    writeFileSync(locked, 'secret');
    chmodSync(locked, 0);
    // root reads anything; only assert the message when the file really is unreadable
    const unreadable = stoq(['scan', locked, '-a', 'hash']);
    if (process.getuid?.() !== 0) {
      expect(unreadable.status).toBe(1);
      expect(unreadable.stderr).toContain('permission denied');
    } else {
      expect(unreadable.status).toBe(0);
    }
  });

  it('unknown plugin named in a role', () => {
    const out = stoq(['scan', '-', '-R', 'no_such_dispatcher'], { input: 'x' });
    expect(out.status).toBe(2);
    oneLine(out.stderr);
    expect(out.stderr).toContain('"no_such_dispatcher" is invalid or does not exist');
    expect(out.stderr).not.toContain('    at ');
  });

  it('a plugin in the wrong role', () => {
    const out = stoq(['scan', '-', '-C', 'hash'], { input: 'x' });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('cannot be used as a connector');
  });

  it('malformed --plugin-opts', () => {
    const out = stoq(['scan', '-', '--plugin-opts', 'nocolon'], { input: 'x' });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('Failed parsing plugin option "nocolon"');
  });

  it('a bad config file names file, key and problem', () => {
    const home = tempDir();
    writeFileSync(join(home, 'stoq.yaml'), 'core:\n  max_recursion: lots\n');
    const out = stoq(['scan', '-', '-a', 'hash'], { input: 'x', env: { ...process.env, STOQ_HOME: home, HOME: home } });
    expect(out.status).toBe(2);
    oneLine(out.stderr);
    expect(out.stderr).toContain(join(home, 'stoq.yaml'));
    expect(out.stderr).toContain('core.max_recursion');
  });
});

describe('stoq scan DIR', () => {
  it('streams one compact JSON response per file (NDJSON), recursively', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    const files = ['a.txt', 'sub/b.txt', 'sub/deeper/c.bin'];
    for (const [i, f] of files.entries()) writeFileSync(join(dir, f), `content ${i}`);
    const out = stoq(['scan', dir, '-a', 'hash']);
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    const byName = new Map(lines.map((l) => JSON.parse(l)).map((r) => [r.results[0].payload_meta.extra_data.filename, r]));
    expect([...byName.keys()].sort()).toEqual(['a.txt', 'b.txt', 'c.bin']);
    for (const [name, r] of byName) {
      const path = files.find((f) => f.endsWith(name))!;
      expect(r.results[0].workers.hash.sha256).toBe(digest('sha256sum', join(dir, path)));
      expect(validate(r)).toBe(true);
    }
  });

  it('several files also give NDJSON', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x'), 'x');
    writeFileSync(join(dir, 'y'), 'y');
    const out = stoq(['scan', join(dir, 'x'), join(dir, 'y'), '-a', 'hash']);
    expect(out.status).toBe(0);
    expect(
      out.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).results[0].size),
    ).toEqual([1, 1]);
  });
});

describe('stoq list / --help / --version', () => {
  it('lists the bundled plugins with their roles', () => {
    const out = stoq(['list']);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^hash\s+v3\.0\.0\s+Hash the payload/m);
    expect(out.stdout).toMatch(/Worker/);
  });

  it('prints help and version', () => {
    expect(stoq(['--help']).stdout).toContain('scan');
    expect(stoq(['--version']).stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });
});

describe('stoq scan DIR with awkward files: one response per file', () => {
  it('0-byte files, files over the size limit and unreadable inputs each get a response saying what happened', () => {
    const home = tempDir();
    writeFileSync(join(home, 'stoq.yaml'), 'core:\n  max_payload_size: 100\n');
    const dir = tempDir();
    writeFileSync(join(dir, 'empty'), '');
    writeFileSync(join(dir, 'big'), Buffer.alloc(5000, 1));
    writeFileSync(join(dir, 'ok'), 'fine');
    const missing = join(tempDir(), 'gone');
    const out = stoq(['scan', dir, missing, '-a', 'hash'], { env: { ...process.env, STOQ_HOME: home, HOME: home } });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`cannot read ${missing}: ENOENT`);
    const byName = new Map(
      out.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((r) => [r.results[0].payload_meta.extra_data.filename, r]),
    );
    expect([...byName.keys()].sort()).toEqual(['big', 'empty', 'gone', 'ok']);
    expect(byName.get('empty').results[0].workers.hash.md5).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(byName.get('big').results[0].size).toBe(5000);
    expect(byName.get('big').results[0].workers).toEqual({});
    expect(byName.get('big').errors[0].code).toBe('PAYLOAD_TOO_LARGE');
    expect(byName.get('gone').errors[0].code).toBe('INPUT_UNREADABLE');
    expect(byName.get('ok').errors).toEqual([]);
  });

  it('a single file over the size limit is recorded, not read', () => {
    const home = tempDir();
    writeFileSync(join(home, 'stoq.yaml'), 'core:\n  max_payload_size: 10\n');
    const dir = tempDir();
    writeFileSync(join(dir, 'big'), Buffer.alloc(50, 1));
    const out = stoq(['scan', join(dir, 'big'), '-a', 'hash'], { env: { ...process.env, STOQ_HOME: home, HOME: home } });
    expect(out.status).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r.results[0].size).toBe(50);
    expect(r.errors[0].code).toBe('PAYLOAD_TOO_LARGE');
  });
});
