import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, PluginManager } from 'rxstoq';
import { tempDir } from '../helpers/tmp.js';
import { writePackage, writePlugin, writeProject } from './support.js';

const silent = createLogger({ level: 'silent' });
const manager = (packageRoots: string[], extra: Partial<ConstructorParameters<typeof PluginManager>[0]> = {}) =>
  new PluginManager({ packageRoots, includeBundled: false, log: silent, ...extra });

describe('plugin packages: discovery', () => {
  it('finds the plugin packages a project depends on, with their version and source', async () => {
    const project = writeProject(tempDir(), ['stoq-plugin-one', 'left-pad']);
    writePackage(join(project, 'node_modules', 'stoq-plugin-one'), { name: 'stoq-plugin-one', version: '2.3.4', stoq: { plugins: ['./one', './more'] } }, [
      { dir: 'one', name: 'one', version: '1.5', says: 'one' },
      { dir: 'more/deep', name: 'two', says: 'two' },
    ]);
    writePackage(join(project, 'node_modules', 'left-pad'), { name: 'left-pad' });
    // Installed but not declared: not the project's, so not picked up.
    writePackage(join(project, 'node_modules', 'stray'), { name: 'stray', stoq: { plugins: ['./p'] } }, [{ dir: 'p', name: 'stray', says: 'stray' }]);

    const pm = manager([project]);
    const listed = await pm.listPlugins();
    expect(Object.keys(listed)).toEqual(['one', 'two']);
    // Loading it (its `import 'rxstoq'`) is checked against the built code: running-instance.test.ts.
    expect(listed['one']).toMatchObject({
      version: '1.5',
      description: 'says one',
      source: { kind: 'package', package: 'stoq-plugin-one', version: '2.3.4' },
      pluginDir: join(project, 'node_modules', 'stoq-plugin-one', 'one'),
    });
    expect(pm.packageProblems).toEqual([]);
  });

  it('finds a dependency hoisted to a parent node_modules, and counts the project itself when it is a plugin package', async () => {
    const workspace = tempDir();
    writePackage(join(workspace, 'node_modules', 'hoisted'), { name: 'hoisted', stoq: { plugins: ['.'] } }, [{ dir: '.', name: 'hoisted', says: 'hoisted' }]);
    const member = join(workspace, 'packages', 'member');
    writePackage(member, { name: 'member', version: '0.0.1', stoq: { plugins: ['./src'] }, extra: { devDependencies: { hoisted: '*' } } }, [
      { dir: 'src', name: 'mine', says: 'mine' },
    ]);
    const listed = await manager([member]).listPlugins();
    expect(listed['hoisted']?.source).toEqual({ kind: 'package', package: 'hoisted', version: '1.0.0' });
    expect(listed['mine']?.source).toEqual({ kind: 'package', package: 'member', version: '0.0.1' });
  });

  it('lets the project override the home, plugin folders override both, and any of them the bundled plugins', async () => {
    const home = writeProject(tempDir(), ['home-pkg']);
    writePackage(join(home, 'node_modules', 'home-pkg'), { name: 'home-pkg', stoq: { plugins: ['./p'] } }, [
      { dir: 'p', name: 'shared', says: 'home' },
      { dir: 'p', name: 'hash', says: 'home hash' },
      { dir: 'p', name: 'only_home', says: 'home' },
    ]);
    const project = writeProject(tempDir(), ['project-pkg']);
    writePackage(join(project, 'node_modules', 'project-pkg'), { name: 'project-pkg', stoq: { plugins: ['./p'] } }, [
      { dir: 'p', name: 'shared', says: 'project' },
      { dir: 'p', name: 'folder_wins', says: 'project' },
    ]);
    const folder = tempDir();
    writePlugin(join(folder, 'folder_wins'), { name: 'folder_wins', says: 'folder' });

    const pm = manager([home, project], { includeBundled: true, pluginDirList: [folder] });
    const listed = await pm.listPlugins();
    expect(listed['shared']?.source).toMatchObject({ package: 'project-pkg' });
    expect(listed['only_home']?.source).toMatchObject({ package: 'home-pkg' });
    expect(listed['hash']?.source).toMatchObject({ package: 'home-pkg' });
    expect(listed['folder_wins']?.source).toEqual({ kind: 'folder', dir: folder });
    expect(listed['mimetype']?.source).toEqual({ kind: 'bundled' });
  });

  it('skips a package with a bad "stoq" field, naming it, and still finds the others', async () => {
    const project = writeProject(tempDir(), ['typo', 'not-a-list', 'escapes', 'missing-dir', 'broken-json', 'good']);
    const nm = join(project, 'node_modules');
    writePackage(join(nm, 'typo'), { name: 'typo', version: '1.0.0', stoq: { plugin: ['./p'] } });
    writePackage(join(nm, 'not-a-list'), { name: 'not-a-list', stoq: { plugins: './p' } });
    writePackage(join(nm, 'escapes'), { name: 'escapes', stoq: { plugins: ['../good/p'] } });
    writePackage(join(nm, 'missing-dir'), { name: 'missing-dir', stoq: { plugins: ['./nowhere'] } });
    mkdirSync(join(nm, 'broken-json'));
    writeFileSync(join(nm, 'broken-json', 'package.json'), '{ "name": "broken-json", ');
    writePackage(join(nm, 'good'), { name: 'good', stoq: { plugins: ['./p'] } }, [{ dir: 'p', name: 'good', says: 'good' }]);

    const pm = manager([project]);
    expect(Object.keys(await pm.listPlugins())).toEqual(['good']);
    const problems = pm.packageProblems.join('\n');
    expect(problems).toMatch(/package typo@1\.0\.0 .*invalid "stoq" field: .*plugin/);
    expect(problems).toMatch(/package not-a-list@1\.0\.0 .*invalid "stoq" field: plugins: /);
    expect(problems).toMatch(/package escapes@1\.0\.0 .*"\.\.\/good\/p" points outside the package/);
    expect(problems).toMatch(/package missing-dir@1\.0\.0 .*"\.\/nowhere" is not a folder in the package/);
    expect(problems).toMatch(/broken-json[/\\]package\.json: not valid JSON/);
    expect(pm.packageProblems).toHaveLength(5);
  });

  it('resolves symlinked packages (npm link) to where they live', async () => {
    const real = writePackage(tempDir(), { name: 'linked', stoq: { plugins: ['./p'] } }, [{ dir: 'p', name: 'linked', says: 'linked' }]);
    const project = writeProject(tempDir(), ['linked']);
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(real, join(project, 'node_modules', 'linked'), 'dir');
    const listed = await manager([project]).listPlugins();
    expect(listed['linked']?.pluginDir).toBe(join(real, 'p'));
  });
});
