import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mustRun, packRxstoq, ROOT, run, userEnv, type Packed, type Ran } from './consumer-project.js';

// rxstoq as a new user gets it: the packed tarball installed into a fresh project outside the
// repository. One pack and one install serve every case (installs come from npm's cache).

const PAYLOAD = Buffer.from('rxstoq consumer test payload\n');
const SHA256 = createHash('sha256').update(PAYLOAD).digest('hex');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

let work: string;
let project: string;
let packed: Packed;
let ci: Ran;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rxstoq-consumer-'));
  env = userEnv(join(work, 'home'));
  packed = await packRxstoq(work, env);
  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'rxstoq-consumer', version: '1.0.0', private: true }, null, 2)}\n`);
  writeFileSync(join(project, 'payload.bin'), PAYLOAD);
  await mustRun('npm', ['install', packed.tarball], project, env);
  // Its own lock must reinstall cleanly, as its CI would.
  rmSync(join(project, 'node_modules'), { recursive: true, force: true });
  ci = await run('npm', ['ci'], project, env);
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const sha256Of = (response: unknown) => (response as { results: Array<{ workers: { hash?: { sha256?: string } } }> }).results[0]?.workers.hash?.sha256;

// Each case starts Node (and npm) processes on a machine other suites share: minutes, not seconds.
describe('the npm package, installed in a fresh project', { timeout: 180_000 }, () => {
  it('ships dist, bin, schema, docs, templates, plugin manifests, READMEs and rules, and no tests, sources, maps, bench or examples', () => {
    for (const want of [
      'package.json',
      'README.md',
      'LICENSE',
      'bin/stoq.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/operators/index.js',
      'dist/operators/index.d.ts',
      'schema/stoq-response.schema.json',
      'docs/deployment.md',
      'dist/plugins/hash/hash.js',
      'dist/plugins/hash/hash.stoq.yaml',
      'dist/plugins/yara/README.md',
      'dist/plugins/yara/rules/stoq.yar',
      'dist/plugins/decompress/extract-worker.mjs',
      'templates/plugin-package/package.json',
    ]) {
      expect(packed.files).toContain(want);
    }
    // templates/ holds `stoq new-plugin`'s sources (a test and TypeScript among them) as files to copy.
    const unwanted = packed.files
      .filter((f) => !f.startsWith('templates/'))
      .filter(
        (f) =>
          /(^|\/)(test|tests|fixtures|bench|examples|\.ci|node_modules)\//.test(f) ||
          /\.test\.|\.map$/.test(f) ||
          (/\.ts$/.test(f) && !f.endsWith('.d.ts')) ||
          /^dist\/plugins\/.*\.d\.ts$/.test(f),
      );
    expect(unwanted).toEqual([]);
  });

  it('installs from its own lock with npm ci', () => {
    expect(ci.status, ci.transcript).toBe(0);
    expect(existsSync(join(project, 'node_modules/rxstoq/dist/src/index.js'))).toBe(true);
  });

  it('an ES module imports rxstoq and scans a payload with the hash worker', async () => {
    writeFileSync(
      join(project, 'scan.mjs'),
      `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Stoq } from 'rxstoq';
import { scanRequest } from 'rxstoq/operators';

const stoq = new Stoq({ alwaysDispatch: ['hash'], logLevel: 'silent' });
const response = await stoq.scan(readFileSync('payload.bin'));
await stoq.close();
const schema = createRequire(import.meta.url)('rxstoq/schema.json');
process.stdout.write(JSON.stringify({ response, operators: typeof scanRequest, schemaId: schema.$id }));
`,
    );
    const ran = await mustRun(process.execPath, ['scan.mjs'], project, env);
    const out = JSON.parse(ran.stdout) as { response: unknown; operators: string; schemaId: string };
    expect(sha256Of(out.response)).toBe(SHA256);
    expect(out.operators).toBe('function');
    expect(out.schemaId).toMatch(/stoq-response\.schema\.json$/);
  });

  it("a CommonJS script require()s rxstoq (Node's require(esm)) and scans a payload with the hash worker", async () => {
    writeFileSync(
      join(project, 'scan.cjs'),
      `const { readFileSync } = require('node:fs');
const { Stoq } = require('rxstoq');
const { scanRequest } = require('rxstoq/operators');

(async () => {
  const stoq = new Stoq({ alwaysDispatch: ['hash'], logLevel: 'silent' });
  const response = await stoq.scan(readFileSync('payload.bin'));
  await stoq.close();
  process.stdout.write(JSON.stringify({ response, operators: typeof scanRequest }));
})();
`,
    );
    const ran = await mustRun(process.execPath, ['scan.cjs'], project, env);
    const out = JSON.parse(ran.stdout) as { response: unknown; operators: string };
    expect(sha256Of(out.response)).toBe(SHA256);
    expect(out.operators).toBe('function');
    expect(ran.stderr).toBe('');
  });

  it('TypeScript code importing rxstoq and rxstoq/operators type-checks under moduleResolution NodeNext', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          // A consumer has @types/node; this one borrows the repository's rather than installing it.
          typeRoots: [join(ROOT, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['check.mts', 'check.cts'],
      }),
    );
    writeFileSync(
      join(project, 'check.mts'),
      `import { Payload, Stoq, WorkerPlugin, WorkerResponse, type StoqResponse } from 'rxstoq';
import { reconstructSubresponses } from 'rxstoq/operators';
import { lastValueFrom, toArray } from 'rxjs';

export class Upper extends WorkerPlugin {
  async scan(payload: Payload): Promise<WorkerResponse> {
    return new WorkerResponse({ results: { upper: Buffer.from(payload.content).toString('latin1').toUpperCase() } });
  }
}

const stoq = new Stoq({ alwaysDispatch: ['hash'] });
const response: StoqResponse = await stoq.scan(Buffer.from('x'));
const parts: StoqResponse[] = await lastValueFrom(reconstructSubresponses(stoq.engine, response).pipe(toArray()));
console.log(parts.length);
// Real types, not any: a wrong argument must be an error for this directive to hold.
// @ts-expect-error scan() takes bytes or a string
await stoq.scan(42);
`,
    );
    writeFileSync(
      join(project, 'check.cts'),
      `import rxstoq = require('rxstoq');
const stoq: rxstoq.Stoq = new rxstoq.Stoq({ alwaysDispatch: ['hash'] });
export const scanned: Promise<rxstoq.StoqResponse> = stoq.scan('text');
`,
    );
    const ran = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], project, env);
    expect(ran.status, ran.transcript).toBe(0);
  });

  it('npx stoq scan FILE -a hash prints the response', async () => {
    const ran = await mustRun('npx', ['--no', 'stoq', 'scan', 'payload.bin', '-a', 'hash'], project, env);
    expect(sha256Of(JSON.parse(ran.stdout))).toBe(SHA256);
  });

  it('the bundled yara plugin runs on the YARA-X binding npm installed', async () => {
    const ran = await mustRun('npx', ['--no', 'stoq', 'scan', 'payload.bin', '-a', 'yara'], project, env);
    const response = JSON.parse(ran.stdout) as { results: Array<{ workers: { yara?: { matches?: unknown[] } } }>; errors: unknown[] };
    expect(response.errors).toEqual([]);
    expect(Array.isArray(response.results[0]?.workers.yara?.matches)).toBe(true);
  });

  it('without the optional YARA binding (as on a platform it is not built for) everything else works and yara names what is missing', async () => {
    const bare = join(work, 'no-optional');
    mkdirSync(bare);
    for (const f of ['package.json', 'package-lock.json', 'payload.bin']) copyFileSync(join(project, f), join(bare, f));
    await mustRun('npm', ['ci', '--omit=optional'], bare, env);
    expect(existsSync(join(bare, 'node_modules/@litko'))).toBe(false);

    const hash = await mustRun('npx', ['--no', 'stoq', 'scan', 'payload.bin', '-a', 'hash'], bare, env);
    expect(sha256Of(JSON.parse(hash.stdout))).toBe(SHA256);

    const yara = await run('npx', ['--no', 'stoq', 'scan', 'payload.bin', '-a', 'yara'], bare, env);
    expect(yara.status, yara.transcript).not.toBe(0);
    expect(yara.stderr).toContain(
      "the yara plugin needs YARA-X's native binding @litko/yara-x-linux-x64-gnu@0.3.0, which cannot be found: it is not installed",
    );
    expect(yara.stderr).not.toMatch(/\n\s+at /);
  });
});
