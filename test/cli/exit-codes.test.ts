import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stoq } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('stoq exit codes: usage errors exit 2, help and version 0', () => {
  it.each([
    [['scan', '-', '--bogus'], /unknown option '--bogus'/],
    [['--bogus'], /unknown option '--bogus'/],
    [['list', '--bogus'], /unknown option '--bogus'/],
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['bogus'], /unknown command 'bogus'/],
    [['scan', '-', '--concurrency'], /argument missing/],
    [['scan', '-', '--log-level', 'loud'], /Invalid log level "loud"/],
    [['scan', '-', '--ratelimit', 'abc'], /Invalid ratelimit "abc": expected "N\/S"/],
    [['run', '--ratelimit', '5/0'], /S \(the window in seconds\) must be greater than 0/],
    [['run', '--grace', 'abc'], /--grace expects a number of seconds >= 0, got "abc"/],
    [['run', '--grace', '-1'], /--grace expects a number of seconds >= 0, got "-1"/],
    [['scan', '-', '-R', 'no_such_dispatcher'], /"no_such_dispatcher" is invalid or does not exist/],
  ])('%j exits 2 and says what was wrong, without a stack trace', (args, message) => {
    const out = stoq(args, { input: 'x' });
    expect(out.status, out.stderr).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).not.toMatch(/^\s+at /m);
    expect(out.stdout).toBe('');
  });

  it('no command at all is a usage error too (help on stderr)', () => {
    const out = stoq([]);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('Usage: stoq');
  });

  it.each([[['--help']], [['scan', '--help']], [['--version']], [['-V']]])('%j exits 0', (args) => {
    const out = stoq(args);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).not.toBe('');
  });

  it('--log-level takes upstream and pino names in any case, as config files do', () => {
    for (const level of ['WARNING', 'Critical']) {
      const out = stoq(['scan', '-', '-a', 'hash', '--log-level', level], { input: 'x' });
      expect(out.status, `${level}: ${out.stderr}`).toBe(0);
      expect(JSON.parse(out.stdout).results[0].workers.hash.md5).toBe('9dd4e461268c8034f5c8564e155c67a6');
    }
  });

  it('--ratelimit with --threads above 1 is refused: one limit needs one pipeline', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a'), 'a');
    const out = stoq(['scan', dir, '-a', 'hash', '--ratelimit', '1/1', '--threads', '4']);
    expect(out.status).toBe(2);
    expect(out.stderr.trim()).toBe('stoq: error: --ratelimit and --threads above 1 cannot be combined: the limit applies to one pipeline');
  });

  it('--ratelimit N/S is accepted on scan', () => {
    const out = stoq(['scan', '-', '-a', 'hash', '--ratelimit', '10/1'], { input: 'x' });
    expect(out.status, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).results[0].workers.hash.md5).toBe('9dd4e461268c8034f5c8564e155c67a6');
  });
});
