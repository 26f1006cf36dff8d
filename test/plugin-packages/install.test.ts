import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stoq } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { isolatedEnv, RUNNING, writePackage } from './support.js';

interface Listed {
  classes: string[];
  version: string;
  source: { kind: string; package?: string; version?: string; dir?: string };
}

const list = (env: NodeJS.ProcessEnv, cwd: string): Record<string, Listed> => {
  const out = stoq(['list', '--json'], { env, cwd });
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  return JSON.parse(out.stdout) as Record<string, Listed>;
};

/** A home, a folder outside any project to run from, and the environment pointing at them. */
function setUp() {
  const home = tempDir('stoq-home-');
  const elsewhere = tempDir('stoq-cwd-');
  return { home, elsewhere, env: isolatedEnv(tempDir('user-home-'), home) };
}

describe('stoq install / uninstall', { timeout: 120_000 }, () => {
  it('installs a package folder into $STOQ_HOME; its plugins list and scan from any folder, after the folder is gone; uninstall removes it', () => {
    const { home, elsewhere, env } = setUp();
    const src = writePackage(tempDir(), { name: 'stoq-plugin-fixture', version: '1.2.3', stoq: { plugins: ['./plugins'] }, extra: { files: ['plugins'] } }, [
      { dir: 'plugins/alpha', name: 'alpha', version: '0.9', says: 'alpha' },
      { dir: 'plugins/beta', name: 'beta', says: 'beta' },
    ]);

    const installed = stoq(['install', src], { env, cwd: elsewhere });
    expect(installed.stderr).toBe('');
    expect(installed.status).toBe(0);
    expect(installed.stdout).toBe(`installed stoq-plugin-fixture@1.2.3 in ${home}: plugins alpha, beta\n`);
    const homePackage = JSON.parse(readFileSync(join(home, 'package.json'), 'utf8'));
    expect(homePackage.dependencies).toEqual({ 'stoq-plugin-fixture': 'file:packages/stoq-plugin-fixture-1.2.3.tgz' });
    rmSync(src, { recursive: true });

    const listed = list(env, elsewhere);
    expect(listed['alpha']).toMatchObject({
      classes: ['Worker'],
      version: '0.9',
      source: { kind: 'package', package: 'stoq-plugin-fixture', version: '1.2.3' },
    });
    expect(listed['hash']?.source).toEqual({ kind: 'bundled' });
    const text = stoq(['list'], { env, cwd: elsewhere }).stdout;
    expect(text).toMatch(/^alpha\s+v0\.9\s+says alpha\n\s+Worker {2}\(package stoq-plugin-fixture@1\.2\.3\)$/m);
    expect(text).toMatch(/^hash\s+v3\.0\.0\s+Hash the payload.*\n\s+Worker {2}\(bundled\)$/m);

    writeFileSync(join(elsewhere, 'sample'), 'data');
    const scanned = stoq(['scan', 'sample', '-a', 'alpha'], { env, cwd: elsewhere });
    expect(scanned.stderr).toBe('');
    expect(JSON.parse(scanned.stdout).results[0].workers.alpha).toEqual({ says: 'alpha', ...RUNNING, version: expect.any(String), operatorExports: true });

    const removed = stoq(['uninstall', 'stoq-plugin-fixture'], { env, cwd: elsewhere });
    expect(removed.status).toBe(0);
    expect(removed.stdout).toBe(`removed stoq-plugin-fixture from ${home}\n`);
    expect(Object.keys(list(env, elsewhere))).not.toContain('alpha');
    expect(readdirSync(join(home, 'packages'))).toEqual([]);
  });

  it('installs a tarball, replaces it on upgrade and keeps one copy', () => {
    const { home, elsewhere, env } = setUp();
    const packs = tempDir();
    for (const version of ['1.0.0', '1.1.0']) {
      const src = writePackage(tempDir(), { name: 'stoq-plugin-tar', version, stoq: { plugins: ['./p'] } }, [{ dir: 'p', name: 'tarred', says: version }]);
      const packed = spawnSync('npm', ['pack', src, '--pack-destination', packs], { env, encoding: 'utf8' });
      expect(packed.status, packed.stderr).toBe(0);
    }
    for (const version of ['1.0.0', '1.1.0']) {
      const out = stoq(['install', join(packs, `stoq-plugin-tar-${version}.tgz`)], { env, cwd: elsewhere });
      expect(out.stdout).toBe(`installed stoq-plugin-tar@${version} in ${home}: plugins tarred\n`);
    }
    expect(readdirSync(join(home, 'packages'))).toEqual(['stoq-plugin-tar-1.1.0.tgz']);
    writeFileSync(join(elsewhere, 'sample'), 'data');
    const scanned = stoq(['scan', 'sample', '-a', 'tarred'], { env, cwd: elsewhere });
    expect(JSON.parse(scanned.stdout).results[0].workers.tarred.says).toBe('1.1.0');
  });

  it('says what is wrong: no such path, no package.json, npm failing, not installed, a broken plugin package', () => {
    const { home, elsewhere, env } = setUp();
    const missing = stoq(['install', './missing'], { env, cwd: elsewhere });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`stoq: error: Cannot install ./missing: ${join(elsewhere, 'missing')} does not exist\n`);

    mkdirSync(join(elsewhere, 'bare'));
    const bare = stoq(['install', './bare'], { env, cwd: elsewhere });
    expect(bare.status).toBe(1);
    expect(bare.stderr).toMatch(/^stoq: error: Cannot install \.\/bare: .* has no package\.json\. A plugin package needs one/);

    // npm is offline here: the registry lookup fails, and the CLI passes on npm's reason.
    const unknown = stoq(['install', 'stoq-plugin-that-does-not-exist'], { env, cwd: elsewhere });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(
      /^stoq: error: npm install stoq-plugin-that-does-not-exist failed \(npm exited \d+\): code ENOTCACHED; .*stoq-plugin-that-does-not-exist/,
    );
    expect(unknown.stderr.split('\n')).toHaveLength(2);

    const notInstalled = stoq(['uninstall', 'left-pad'], { env, cwd: elsewhere });
    expect(notInstalled.status).toBe(1);
    expect(notInstalled.stderr).toBe(`stoq: error: left-pad is not installed in ${home} (nothing is installed there)\n`);

    const good = writePackage(tempDir(), { name: 'good-plugins', stoq: { plugins: ['./p'] } }, [{ dir: 'p', name: 'good', says: 'good' }]);
    expect(stoq(['install', good], { env, cwd: elsewhere }).status).toBe(0);
    const broken = writePackage(tempDir(), { name: 'broken-plugins', version: '0.0.1', stoq: { plugins: 'p' } });
    const out = stoq(['install', broken], { env, cwd: elsewhere });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/^stoq: error: package broken-plugins@0\.0\.1 .*invalid "stoq" field: plugins: .*\(remove it with: stoq uninstall NAME\)\n$/);

    const listed = stoq(['list', '--json'], { env, cwd: elsewhere });
    expect(listed.status).toBe(0);
    expect(Object.keys(JSON.parse(listed.stdout))).toContain('good');
    expect(listed.stderr).toMatch(/^stoq: warning: skipped a plugin package: package broken-plugins@0\.0\.1 /);
    expect(existsSync(join(home, 'node_modules', 'broken-plugins'))).toBe(true);
    expect(stoq(['uninstall', 'broken-plugins'], { env, cwd: elsewhere }).status).toBe(0);
  });
});
