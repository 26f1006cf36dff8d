import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, stoq } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { isolatedEnv } from './support.js';

/**
 * What `npm install` gives the developer of a new plugin package (its devDependencies), taken
 * from this repository's node_modules so nothing is downloaded: rxstoq itself (this checkout,
 * linked), typescript, vitest and @types/node, with their commands in node_modules/.bin.
 */
function linkDevDependencies(pkg: string): void {
  const nm = join(pkg, 'node_modules');
  mkdirSync(join(nm, '.bin'), { recursive: true });
  symlinkSync(ROOT, join(nm, 'rxstoq'), 'dir');
  for (const dep of ['typescript', 'vitest', '@types']) symlinkSync(join(ROOT, 'node_modules', dep), join(nm, dep), 'dir');
  symlinkSync(join('..', 'typescript', 'bin', 'tsc'), join(nm, '.bin', 'tsc'));
  symlinkSync(join('..', 'vitest', 'vitest.mjs'), join(nm, '.bin', 'vitest'));
}

describe('stoq new-plugin', { timeout: 240_000 }, () => {
  it('creates a plugin package that builds, passes its own test, installs with stoq install and scans from another folder', () => {
    const work = tempDir('scaffold-');
    const home = tempDir('stoq-home-');
    const env = isolatedEnv(tempDir('user-home-'), home);

    const created = stoq(['new-plugin', 'line_stats', '--dir', 'pkg'], { env, cwd: work });
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const pkg = join(work, 'pkg');
    expect(readdirSync(pkg).sort()).toEqual(['.gitignore', 'README.md', 'line_stats', 'package.json', 'test', 'tsconfig.json']);
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'stoq-plugin-line_stats', stoq: { plugins: ['./line_stats'] }, peerDependencies: { rxstoq: expect.any(String) } });
    expect(manifest.dependencies).toBeUndefined();
    expect(readFileSync(join(pkg, 'line_stats', 'line_stats.ts'), 'utf8')).toContain('export class LineStatsPlugin extends WorkerPlugin');

    // The developer's loop: npm test builds with tsc, then runs the package's vitest test.
    linkDevDependencies(pkg);
    const tested = spawnSync('npm', ['test'], { cwd: pkg, env, encoding: 'utf8' });
    expect(tested.status, `${tested.stdout}\n${tested.stderr}`).toBe(0);
    // vitest may colour its summary.
    expect(stripVTControlCharacters(tested.stdout)).toMatch(/Tests\s+4 passed \(4\)/);

    const installed = stoq(['install', './pkg'], { env, cwd: work });
    expect(installed.stderr).toBe('');
    expect(installed.stdout).toBe(`installed stoq-plugin-line_stats@0.1.0 in ${home}: plugins line_stats\n`);

    const elsewhere = tempDir('stoq-cwd-');
    const listed = stoq(['list'], { env, cwd: elsewhere });
    expect(listed.stdout).toMatch(
      /^line_stats\s+v0\.1\.0\s+Size, line count and printable share of the payload\n\s+Worker {2}\(package stoq-plugin-line_stats@0\.1\.0\)$/m,
    );

    writeFileSync(join(elsewhere, 'notes.txt'), 'one\ntwo\nthree\n');
    const scanned = stoq(['scan', 'notes.txt', '-a', 'line_stats'], { env, cwd: elsewhere });
    expect(scanned.stderr).toBe('');
    expect(JSON.parse(scanned.stdout).results[0].workers.line_stats).toEqual({ size: 14, lines: 3, printable_ratio: 1 });

    // Its options schema types --plugin-opts values (through the z rxstoq exports) and refuses bad ones.
    const limited = stoq(['scan', 'notes.txt', '-a', 'line_stats', '--plugin-opts', 'line_stats:max_bytes=4'], { env, cwd: elsewhere });
    expect(limited.stderr).toBe('');
    expect(JSON.parse(limited.stdout).results[0].workers.line_stats).toEqual({ size: 14, lines: 1, printable_ratio: 1 });
    const refused = stoq(['scan', 'notes.txt', '-a', 'line_stats', '--plugin-opts', 'line_stats:max_bytes=abc'], { env, cwd: elsewhere });
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toBe(
      'stoq: error: Plugin "line_stats" has invalid options: max_bytes = "abc" (from pluginOpts / --plugin-opts): expected a number',
    );
  });

  it('refuses a bad name and a folder that is already used', () => {
    const work = tempDir('scaffold-');
    const env = isolatedEnv(tempDir('user-home-'), undefined);
    const bad = stoq(['new-plugin', '9lives'], { env, cwd: work });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('stoq: error: Invalid plugin name "9lives": a plugin name starts with a letter and holds only letters, digits, "_" and "-"\n');
    const badPackage = stoq(['new-plugin', 'ok', '--package-name', 'Upper'], { env, cwd: work });
    expect(badPackage.status).toBe(2);
    expect(badPackage.stderr).toMatch(/^stoq: error: Invalid package name "Upper": an npm package name is lower case/);
    mkdirSync(join(work, 'stoq-plugin-taken'));
    writeFileSync(join(work, 'stoq-plugin-taken', 'keep.txt'), 'mine');
    const taken = stoq(['new-plugin', 'taken'], { env, cwd: work });
    expect(taken.status).toBe(1);
    expect(taken.stderr).toBe(`stoq: error: Cannot create the plugin package in ${join(work, 'stoq-plugin-taken')}: it exists and is not an empty folder\n`);
    expect(readdirSync(join(work, 'stoq-plugin-taken'))).toEqual(['keep.txt']);
  });
});
