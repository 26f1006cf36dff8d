import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getMd5 } from 'rxstoq';
import { main as customPipeline } from '../../examples/custom-pipeline.js';
import { main as individualScan } from '../../examples/individual-scan.js';
import { main as manualInteraction } from '../../examples/manual-interaction.js';
import { main as multiplePluginDirs } from '../../examples/multiple-plugin-dirs.js';
import { main as phishingEmail } from '../../examples/phishing-email.js';
import { main as providerRun } from '../../examples/provider-run.js';
import { main as reconstruct } from '../../examples/reconstruct-subresponses.js';
import { main as splitResults } from '../../examples/split-results.js';
import { cleanEnv, ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { phishingEmail as buildPhishingEmail } from './phishing-sample.js';

describe('examples', () => {
  it('individual scan with alwaysDispatch hash', async () => {
    const r = await individualScan('The quick brown fox', 'fox.txt');
    expect(r.results[0]!.workers['hash']).toMatchObject({ md5: 'a2004f37730b9445670a738fa0fc9ee5' });
    expect(r.results[0]!.payload_meta.extra_data).toEqual({ filename: 'fox.txt' });
  });

  it('phishing email walk-through: email → zip → document → macro → URL in one response, with the default profile', async () => {
    const walk = await phishingEmail(buildPhishingEmail(), 'overdue.eml');
    expect(walk.response.errors).toEqual([]);
    expect(walk.steps.map((s) => [s.filename, s.extracted_by])).toEqual([
      ['overdue.eml', undefined],
      ['invoice.zip', 'smtp'],
      ['invoice.doc', 'decompress'],
    ]);
    expect(walk.steps[0]!.workers).toEqual(expect.arrayContaining(['hash', 'smtp']));
    expect(walk.steps[1]!.workers).toEqual(expect.arrayContaining(['hash', 'decompress']));
    expect(walk.steps[2]!.workers).toEqual(expect.arrayContaining(['hash', 'ole', 'vba']));
    expect(walk.url).toBe('http://malicious.example.com/payload/stage2.exe');
    expect(walk.suspicious).toBe(true);
    // The macros themselves are payloads of the same response, under the document.
    const doc = walk.response.results.find((r) => r.payload_meta.extra_data['filename'] === 'invoice.doc')!;
    const modules = walk.response.results.filter((r) => r.extracted_from.includes(doc.payload_id) && r.extracted_by.includes('vba'));
    expect(modules.map((m) => m.payload_meta.extra_data['filename']).sort()).toEqual(['Class1.cls', 'Module1.bas', 'ThisDocument.cls']);
  });

  it('provider run saves one response per provided item through the connector', async () => {
    const out = join(tempDir(), 'out.jsonl');
    const { summary, lines } = await providerRun(out, ['a', 'b', 'c', 'd']);
    expect(summary).toMatchObject({ items: 4, responses: 4, failures: [] });
    const md5s = lines.map((l) => JSON.parse(l).results[0].workers.hash.md5).sort();
    expect(md5s).toEqual(['a', 'b', 'c', 'd'].map((x) => getMd5(x)).sort());
  });

  it('manual interaction: loadPlugin, Payload, scanRequest, connector save', async () => {
    const out = join(tempDir(), 'manual.jsonl');
    const r = await manualInteraction(out);
    expect(r.request_meta.source).toBe('manual-example');
    const saved = JSON.parse(readFileSync(out, 'utf8'));
    expect(saved.scan_id).toBe(r.scan_id);
    expect(saved.results[0].workers.hash.md5).toBe(getMd5('manual payload'));
  });

  it('split() gives one document per (payload, worker result), keeping payloads without results', async () => {
    const docs = await splitResults('alpha\nbeta');
    expect(docs).toHaveLength(4);
    const rootDocs = docs.filter((d) => (d['results'] as Array<{ extracted_by: string[] }>)[0]!.extracted_by.length === 0);
    expect(rootDocs.map((d) => Object.keys((d['results'] as Array<{ workers: object }>)[0]!.workers)[0]).sort()).toEqual(['hash', 'line_splitter']);
    for (const d of docs) expect((d['results'] as unknown[]).length).toBe(1);
  });

  it('reconstructAllSubresponses gives each payload its subtree', async () => {
    const { response, subresponses } = await reconstruct('one\ntwo\nthree');
    expect(subresponses.map((s) => s.results.length)).toEqual([4, 1, 1, 1]);
    for (const s of subresponses) expect(s.scan_id).toBe(response.scan_id);
  });

  it('a later plugin folder overrides a bundled plugin', async () => {
    const { plugins, hash } = await multiplePluginDirs();
    expect(plugins['hash']!.version).toBe('3.1.0');
    expect(plugins['line_splitter']!.classes).toEqual(['Worker']);
    expect(plugins['list_provider']!.classes).toEqual(['Provider']);
    expect(Object.keys(hash)).toEqual(['sha256', 'md5', 'sha1', 'sha512']);
  });

  it('a custom operator chain built from operators/', async () => {
    const docs = await customPipeline(['red\ngreen', 'blue', 'cyan\nmagenta\nyellow']);
    // 2 + 0 + 3 extracted lines, one hash document each ("blue" is a single line: nothing extracted)
    expect(docs).toHaveLength(5);
    const md5s = docs.map((d) => (d['results'] as Array<{ workers: { hash: { md5: string } } }>)[0]!.workers.hash.md5).sort();
    expect(md5s).toEqual(['red', 'green', 'cyan', 'magenta', 'yellow'].map((x) => getMd5(x)).sort());
  });
});

/** `node dist/examples/NAME.js ARGS` from `cwd`, as a person would run it. */
const runBuilt = (name: string, cwd: string, args: string[] = []) =>
  spawnSync(process.execPath, [join(ROOT, `dist/examples/${name}.js`), ...args], { encoding: 'utf8', env: cleanEnv(), cwd });

/** Remove the temporary folder an example reported writing to (it is not a tempDir() of ours). */
const removeReported = (text: string, pattern: RegExp) => {
  const path = pattern.exec(text)?.[1];
  expect(path, text).toBeDefined();
  expect(path!.startsWith(tmpdir())).toBe(true);
  rmSync(dirname(path!), { recursive: true, force: true });
};

describe('examples run standalone from the build, writing nothing into the current directory', () => {
  it.each([
    ['custom-pipeline', /"extracted_by":\["line_splitter"\]/],
    ['individual-scan', /"md5": "a2004f37730b9445670a738fa0fc9ee5"/],
    ['multiple-plugin-dirs', /hash keys: sha256, md5, sha1, sha512/],
    ['reconstruct-subresponses', /: 4 payload\(s\)\n/],
    ['split-results', /"line_splitter"/],
  ])('%s', (name, printed) => {
    const cwd = tempDir();
    const out = runBuilt(name, cwd);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(printed);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.each([
    ['manual-interaction', /saved to (\S+)/],
    ['provider-run', /saved to (\S+);/],
  ])('%s saves into a new temporary folder unless given a path', (name, saved) => {
    const cwd = tempDir();
    const out = runBuilt(name, cwd);
    expect(out.status, out.stderr).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    const file = saved.exec(out.stdout)![1]!;
    expect(JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!).results[0].workers.hash).toBeDefined();
    removeReported(out.stdout, saved);

    const given = join(tempDir(), 'given.jsonl');
    expect(runBuilt(name, cwd, [given]).status).toBe(0);
    expect(readFileSync(given, 'utf8')).toContain('"hash"');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('providers-pipeline without a results folder', async () => {
    const cwd = tempDir();
    const inbox = tempDir();
    const child = spawn(process.execPath, [join(ROOT, 'dist/examples/providers-pipeline.js'), inbox], { env: cleanEnv(), cwd });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
        if (stderr.includes('(Ctrl-C stops)')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited before watching: ${stderr}`)));
    });
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    removeReported(stderr, /results go to (\S+) \(Ctrl-C stops\)/);
  });
});
