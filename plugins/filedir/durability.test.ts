import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, STOQ_BIN } from '../../test/helpers/cli.js';
import { tempDir } from '../../test/helpers/tmp.js';

/**
 * What the kernel was asked to do, seen by strace on the real CLI (no mock of node:fs): a result
 * or archived file may be reported saved only after its bytes, its name and every folder created
 * for it were fsynced. strace comes from Debian (`strace`); ptrace must be allowed.
 */
interface Call {
  index: number;
  name: string;
  /** Paths in the call: quoted arguments and fd paths shown by `strace -y`. */
  paths: string[];
  ok: boolean;
}

const TRACED = 'fsync,fdatasync,link,linkat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat';

function traceCli(args: string[], cwd: string): Call[] {
  const log = join(cwd, 'strace.log');
  const run = spawnSync('strace', ['-f', '-y', '-qq', '-e', `trace=${TRACED}`, '-o', log, process.execPath, STOQ_BIN, ...args], {
    cwd: ROOT,
    env: cleanEnv(),
    encoding: 'utf8',
  });
  if (run.error) throw new Error(`strace could not run (apt-get install strace): ${run.error.message}`);
  expect(run.status, run.stderr).toBe(0);
  // With -f a call can be split into "<unfinished ...>" and "<... resumed>"; the start line names it.
  const calls: Call[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = /^\d+\s+(\w+)\((.*)$/.exec(line);
    if (!m) continue;
    const paths = [...m[2]!.matchAll(/"([^"]*)"|<([^<>]*)>/g)].map((p) => p[1] ?? p[2]!);
    calls.push({ index: calls.length, name: m[1]!, paths, ok: !/= -1 /.test(line) });
  }
  return calls;
}

const first = (calls: Call[], name: RegExp, path: string, after = -1): number =>
  calls.find((c) => c.index > after && name.test(c.name) && c.paths.includes(path) && c.ok)?.index ?? -1;

/** The order publishFile must follow for `file`, checked call by call. */
function expectDurablyPublished(calls: Call[], file: string): void {
  const dir = dirname(file);
  const linked = calls.find((c) => /^(link|linkat|rename|renameat2?)$/.test(c.name) && c.paths[c.paths.length - 1] === file && c.ok);
  expect(linked, `no link/rename to ${file}`).toBeDefined();
  const temp = linked!.paths[0]!;
  expect(dirname(temp)).toBe(dir);
  expect(basename(temp)).toMatch(new RegExp(`^\\.${basename(file)}\\..*\\.tmp$`));
  const fileSynced = first(calls, /^f(data)?sync$/, temp);
  expect(fileSynced, `fsync of ${temp}`).toBeGreaterThanOrEqual(0);
  expect(fileSynced).toBeLessThan(linked!.index);
  const dirSynced = first(calls, /^fsync$/, dir, linked!.index);
  expect(dirSynced, `fsync of ${dir} after the link`).toBeGreaterThan(linked!.index);
  // Every folder made for the file is recorded in its parent, and the parent synced, before the file's own fsync of its folder.
  for (const made of calls.filter((c) => /^mkdir(at)?$/.test(c.name) && c.ok && dir.startsWith(c.paths[0]!))) {
    const parentSynced = first(calls, /^fsync$/, dirname(made.paths[0]!), made.index);
    expect(parentSynced, `fsync of ${dirname(made.paths[0]!)} after mkdir ${made.paths[0]}`).toBeGreaterThan(made.index);
    expect(parentSynced).toBeLessThan(dirSynced);
  }
}

describe('filedir durability (strace on the real CLI)', () => {
  it('fsyncs each result and archived file, then links it, then fsyncs its folder (and the parents of new folders)', () => {
    const dir = tempDir('rxstoq-filedir-sync-');
    const sample = join(dir, 'sample.txt');
    writeFileSync(sample, 'durable bytes\n');
    const results = join(dir, 'results');
    const archive = join(dir, 'archive');
    const calls = traceCli(
      [
        'scan',
        sample,
        '--no-default-profile',
        '-a',
        'hash',
        '-C',
        'filedir',
        '-A',
        'filedir',
        '--plugin-opts',
        `filedir:results_dir=${results}`,
        `filedir:archive_dir=${archive}`,
        'filedir:date_mode=true',
        '--log-level',
        'warn',
      ],
      dir,
    );
    const published = (root: string) => {
      const call = calls.find((c) => /^link/.test(c.name) && c.ok && c.paths[c.paths.length - 1]!.startsWith(`${root}/`));
      expect(call, `a file published under ${root}`).toBeDefined();
      return call!.paths[call!.paths.length - 1]!;
    };
    const result = published(results);
    expect(basename(result)).toMatch(/^[0-9a-f-]{36}$/);
    expect(readdirSync(dirname(result))).toEqual([basename(result)]);
    expectDurablyPublished(calls, result);
    // The date folders (results/YYYY/MM/DD) were made by this save, so their parents were synced too.
    expect(calls.filter((c) => /^mkdir/.test(c.name) && c.ok && c.paths[0]!.startsWith(results))).toHaveLength(4);

    const archived = published(archive);
    expectDurablyPublished(calls, archived);
    expect(readFileSync(archived, 'utf8')).toBe('durable bytes\n');
  });
});
