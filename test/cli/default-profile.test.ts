import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, STOQ_BIN, spawn } from '../helpers/cli.js';
import { pe, zip } from '../support/formats.js';

interface PayloadResult {
  payload_meta: { extra_data: { filename?: string } };
  workers: Record<string, Record<string, unknown>>;
  plugins_run: { workers: string[] };
}
interface Response {
  results: PayloadResult[];
  errors: Array<{ plugin_name: string; error: string }>;
}

const sha256sum = (file: string) => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The built CLI, started at once and awaited by the test that checks it: every run starts in
 * beforeAll, so the file takes about as long as its slowest run rather than the sum of them.
 */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [STOQ_BIN, ...args], { cwd: ROOT, env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A clean run: exit 0, nothing on stderr, the response. */
async function response(run: Promise<Run>): Promise<Response> {
  const out = await run;
  expect(out.status, out.stderr).toBe(0);
  expect(out.stderr).toBe('');
  return JSON.parse(out.stdout) as Response;
}

let dir: string;
let baseEnv: NodeJS.ProcessEnv;
let exe: string;
let elfZip: string;
let noYara: string;
const runs: Record<string, Promise<Run>> = {};

// Built once for the file (tempDir's folders last one test only).
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxstoq-default-profile-'));
  // A HOME without ~/.stoq and no STOQ_* variables: a newcomer's machine.
  baseEnv = { ...process.env, HOME: dir };
  for (const k of Object.keys(baseEnv)) if (k.startsWith('STOQ_')) delete baseEnv[k];

  exe = join(dir, 'sample.exe');
  writeFileSync(exe, pe());
  writeFileSync(join(dir, 'hello.c'), '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n');
  execFileSync('gcc', ['-O1', '-o', 'hello', 'hello.c'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  elfZip = join(dir, 'hello.zip');
  writeFileSync(elfZip, zip([{ name: 'bin/hello', data: readFileSync(join(dir, 'hello')) }]));

  const incoming = join(dir, 'incoming');
  mkdirSync(incoming);
  writeFileSync(join(incoming, 'sample.exe'), pe());

  const home = join(dir, 'stoq-home');
  mkdirSync(home);
  writeFileSync(join(home, 'stoq.yaml'), 'core:\n  always_dispatch: [hash]\n');
  const emptyDispatchers = join(dir, 'empty-dispatchers.yaml');
  writeFileSync(emptyDispatchers, 'core:\n  dispatchers: []\n');

  // A plugin folder shadows the bundled yara with one whose module fails to import, as the real
  // one does where its native binding is missing.
  noYara = join(dir, 'no-yara');
  mkdirSync(join(noYara, 'yara'), { recursive: true });
  writeFileSync(join(noYara, 'yara', 'yara.stoq.yaml'), 'name: yara\nmodule: yara\ndescription: a yara whose binding is missing\n');
  writeFileSync(join(noYara, 'yara', 'yara.js'), "throw new Error('no YARA-X binding for this platform');\n");

  runs['pe'] = cli(['scan', exe]);
  runs['zip'] = cli(['scan', elfZip]);
  runs['run'] = cli(['run', '-P', 'filedir', '-C', 'stdout', '--plugin-opts', `filedir:source_dir=${incoming}`, '--log-level', 'warn']);
  runs['hashOnly'] = cli(['scan', exe, '-a', 'hash']);
  runs['homeConfig'] = cli(['scan', elfZip], { STOQ_HOME: home });
  runs['emptyDispatchers'] = cli(['scan', exe, '--config-file', emptyDispatchers]);
  runs['bare'] = cli(['scan', exe, '--no-default-profile']);
  runs['noYara'] = cli(['scan', exe, '--plugin-dir', noYara]);
  runs['namedYara'] = cli(['scan', exe, '-a', 'hash', '-R', 'yara', '--plugin-dir', noYara]);
});
afterAll(async () => {
  await Promise.allSettled(Object.values(runs));
  rmSync(dir, { recursive: true, force: true });
});

describe('stoq scan with no plugin flags and no stoq.yaml: the default profile', () => {
  it('a PE gets hash on every payload and, routed by yara, peinfo', async () => {
    const r = await response(runs['pe']!);
    expect(r.errors).toEqual([]);
    const [root] = r.results;
    expect(root!.plugins_run.workers.sort()).toEqual(['hash', 'peinfo']);
    expect(root!.workers['hash']!['sha256']).toBe(sha256sum(exe));
    expect(root!.workers['peinfo']!['format']).toBe('PE32');
  });

  it('a zip of a gcc-built ELF is decompressed and its member gets hash and elf', async () => {
    const r = await response(runs['zip']!);
    expect(r.errors).toEqual([]);
    expect(r.results).toHaveLength(2);
    const [archive, member] = r.results;
    expect(archive!.plugins_run.workers.sort()).toEqual(['decompress', 'hash']);
    expect(member!.payload_meta.extra_data.filename).toBe('bin/hello');
    expect(member!.plugins_run.workers.sort()).toEqual(['elf', 'hash']);
    expect(member!.workers['hash']!['sha256']).toBe(sha256sum(join(dir, 'hello')));
    expect((member!.workers['elf']!['header'] as { class: string }).class).toBe('ELF64');
  });

  it('`stoq run` uses it too: what a provider hands over gets the same analysis', async () => {
    const r = await response(runs['run']!);
    expect(r.results[0]!.plugins_run.workers.sort()).toEqual(['hash', 'peinfo']);
  });
});

describe('whatever the user configures replaces the whole profile', () => {
  it('-a hash: only hash runs (no yara, so no peinfo)', async () => {
    const r = await response(runs['hashOnly']!);
    expect(r.results.map((p) => p.plugins_run.workers)).toEqual([['hash']]);
  });

  it('a stoq.yaml in $STOQ_HOME that sets always_dispatch', async () => {
    const r = await response(runs['homeConfig']!);
    // No yara, so no decompress: the zip is the only payload.
    expect(r.results.map((p) => p.plugins_run.workers)).toEqual([['hash']]);
  });

  it('a --config-file whose core has an empty dispatchers list asks for nothing', async () => {
    const r = await response(runs['emptyDispatchers']!);
    expect(r.results.map((p) => p.plugins_run.workers)).toEqual([[]]);
  });

  it('--no-default-profile scans with exactly what was given: nothing', async () => {
    const r = await response(runs['bare']!);
    expect(r.errors).toEqual([]);
    expect(r.results).toHaveLength(1);
    expect(r.results[0]!.workers).toEqual({});
    expect(r.results[0]!.plugins_run.workers).toEqual([]);
  });
});

describe('a yara that cannot load (no YARA-X binding for this platform)', () => {
  it('the profile goes on without it, with one warning line naming why', async () => {
    const out = await runs['noYara']!;
    expect(out.status, out.stderr).toBe(0);
    const lines = out.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const warning = JSON.parse(lines[0]!) as { level: number; msg: string };
    expect(warning.level).toBe(40);
    expect(warning.msg).toContain('default profile: scanning without the yara dispatcher');
    expect(warning.msg).toContain('no YARA-X binding for this platform');
    const r = JSON.parse(out.stdout) as Response;
    expect(r.errors).toEqual([]);
    expect(r.results[0]!.plugins_run.workers).toEqual(['hash']);
  });

  it('a yara the user named (-R yara) still fails the command', async () => {
    const out = await runs['namedYara']!;
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('no YARA-X binding for this platform');
  });
});
