import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, stoq } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { isolatedEnv, RUNNING, writePackage, writePlugin, writeProject } from './support.js';

/** What the fixture worker reports: where `rxstoq` and `rxstoq/operators` resolved from inside it. */
const expected = (says: string) => ({ says, ...RUNNING, version: expect.any(String), operatorExports: true });

const workersOf = (out: { stdout: string; stderr: string; status: number | null }) => {
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  return JSON.parse(out.stdout).results[0].workers as Record<string, unknown>;
};

describe("plugins outside the package import 'rxstoq' and get the running one", { timeout: 120_000 }, () => {
  it('a plugin folder in $STOQ_HOME/plugins, in-process and in an isolated thread, run from outside any project', () => {
    const home = tempDir('stoq-home-');
    writePlugin(join(home, 'plugins', 'homely'), { name: 'homely', says: 'home' });
    writePlugin(join(home, 'plugins', 'isolated'), { name: 'isolated', says: 'thread', manifestExtra: 'isolation: thread\n' });
    const cwd = tempDir('stoq-cwd-');
    writeFileSync(join(cwd, 'sample'), 'data');
    const workers = workersOf(stoq(['scan', 'sample', '-a', 'homely', 'isolated'], { env: isolatedEnv(tempDir(), home), cwd }));
    expect(workers['homely']).toEqual(expected('home'));
    expect(workers['isolated']).toEqual(expected('thread'));
  });

  it('a plugin package of a project that has its own, different rxstoq installed', () => {
    const project = writeProject(tempDir('project-'), ['rxstoq', 'stoq-plugin-local']);
    // A stand-in for another copy of rxstoq: loading it would give the plugin no WorkerPlugin.
    writePackage(join(project, 'node_modules', 'rxstoq'), {
      name: 'rxstoq',
      version: '0.0.0-other',
      extra: { exports: { '.': './index.js', './operators': './index.js' } },
    });
    writeFileSync(join(project, 'node_modules', 'rxstoq', 'index.js'), 'export const OTHER = true;\n');
    writePackage(join(project, 'node_modules', 'stoq-plugin-local'), { name: 'stoq-plugin-local', stoq: { plugins: ['./p'] } }, [
      { dir: 'p', name: 'local', says: 'local' },
    ]);
    const sub = join(project, 'src');
    mkdirSync(sub);
    writeFileSync(join(sub, 'sample'), 'data');
    const workers = workersOf(stoq(['scan', 'sample', '-a', 'local'], { env: isolatedEnv(tempDir(), tempDir('stoq-home-')), cwd: sub }));
    expect(workers['local']).toEqual(expected('local'));
  });

  it('the CLI started through a linked install (a global prefix whose rxstoq links to the checkout)', () => {
    const prefix = tempDir('prefix-');
    mkdirSync(join(prefix, 'lib', 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(prefix, 'lib', 'node_modules', 'rxstoq'), 'dir');
    const home = tempDir('stoq-home-');
    writeProject(home, ['stoq-plugin-linked']);
    writePackage(join(home, 'node_modules', 'stoq-plugin-linked'), { name: 'stoq-plugin-linked', stoq: { plugins: ['./p'] } }, [
      { dir: 'p', name: 'linked', says: 'linked' },
    ]);
    const cwd = tempDir('stoq-cwd-');
    writeFileSync(join(cwd, 'sample'), 'data');
    const bin = join(prefix, 'lib', 'node_modules', 'rxstoq', 'bin', 'stoq.js');
    const out = spawnSync(process.execPath, [bin, 'scan', 'sample', '-a', 'linked'], { cwd, env: isolatedEnv(tempDir(), home), encoding: 'utf8' });
    expect(workersOf(out)['linked']).toEqual(expected('linked'));
  });

  it('the library (built), installed in a project, loads plugin packages from the project and from $STOQ_HOME', () => {
    const project = writeProject(tempDir('project-'), ['rxstoq', 'stoq-plugin-lib'], { type: 'module' });
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(ROOT, join(project, 'node_modules', 'rxstoq'), 'dir');
    writePackage(join(project, 'node_modules', 'stoq-plugin-lib'), { name: 'stoq-plugin-lib', stoq: { plugins: ['./p'] } }, [
      { dir: 'p', name: 'lib', says: 'lib' },
    ]);
    // A package in the home, where no rxstoq can be found by walking up: only the hook gets it one.
    const home = writeProject(tempDir('stoq-home-'), ['stoq-plugin-home']);
    writePackage(join(home, 'node_modules', 'stoq-plugin-home'), { name: 'stoq-plugin-home', stoq: { plugins: ['./p'] } }, [
      { dir: 'p', name: 'homed', says: 'home' },
    ]);
    writeFileSync(
      join(project, 'scan.js'),
      [
        "import { Stoq } from 'rxstoq';",
        "const stoq = await Stoq.create({ alwaysDispatch: ['lib', 'homed'], logLevel: 'error' });",
        "const response = await stoq.scan(Buffer.from('data'));",
        'await stoq.close();',
        'const listed = await stoq.listPlugins();',
        'const { lib, homed } = response.results[0].workers;',
        'process.stdout.write(JSON.stringify({ errors: response.errors, lib, homed, sources: [listed.lib.source, listed.homed.source] }));',
      ].join('\n'),
    );
    const out = spawnSync(process.execPath, ['scan.js'], { cwd: project, env: isolatedEnv(tempDir(), home), encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual({
      errors: [],
      lib: expected('lib'),
      homed: expected('home'),
      sources: [
        { kind: 'package', package: 'stoq-plugin-lib', version: '1.0.0' },
        { kind: 'package', package: 'stoq-plugin-home', version: '1.0.0' },
      ],
    });
  });
});
