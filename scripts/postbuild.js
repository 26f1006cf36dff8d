// Copies what tsc does not emit into dist/: plugin manifests, rules and other data files, so the
// bundled plugins load from dist/plugins exactly as they are laid out in plugins/ (with their
// READMEs, which the npm package ships beside each manifest).
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

const skip = (path) => /\.ts$/.test(path) && !path.endsWith('.d.ts');
function copy(dir, from, to, docs) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'test' || name === 'fixtures') continue;
    if (statSync(path).isDirectory()) copy(path, from, to, docs);
    else if (!skip(path) && (docs || !name.endsWith('.md'))) cpSync(path, join(to, relative(from, path)));
  }
}
// Bundled plugins, and the example programs' own plugin folders.
for (const dir of ['plugins', 'examples']) copy(join(root, dir), join(root, dir), join(root, 'dist', dir), dir === 'plugins');
