// Packs rxstoq as `npm publish` would and runs publint and @arethetypeswrong/cli on the tarball.
// Run after `npm run build` (pretest does): the pack skips lifecycle scripts so it does not build twice.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const run = (file, args) => execFileSync(process.execPath, [file, ...args], { cwd: root, stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'rxstoq-lint-package-'));
try {
  const npm = process.env.npm_execpath;
  const packArgs = ['pack', '--ignore-scripts', '--json', '--pack-destination', dir];
  const out = npm ? execFileSync(process.execPath, [npm, ...packArgs], { cwd: root }) : execFileSync('npm', packArgs, { cwd: root });
  const tarball = join(dir, JSON.parse(out.toString())[0].filename);

  // --strict: publint's warnings fail the run too, not only its errors.
  run(bin('publint', 'src/cli.js'), ['run', tarball, '--strict']);
  // Profile node16: the legacy node10 resolver ignores `exports`, so it cannot see rxstoq/operators;
  // rxstoq needs Node >= 20.19 and a TypeScript resolution that reads `exports` (node16, nodenext, bundler).
  // cjs-resolves-to-esm: rxstoq is ESM only and CommonJS loads it with require(esm), which Node
  // >= 20.19 does by default; attw 0.18.5 (TypeScript 5.6) still counts that as an error.
  // test/package/consumer.test.ts runs both require('rxstoq') and a NodeNext type-check.
  run(bin('@arethetypeswrong/cli', 'dist/index.js'), [tarball, '--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm', '--no-emoji', '--no-color']);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
