import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, STOQ_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// Heavy dependencies load with the plugin (or feature) that needs them, never with the core:
// each case runs the built rxstoq in a child process that logs every module it loads.

const REGISTER = fileURLToPath(new URL('./module-log/register.mjs', import.meta.url));
const HEAVY = {
  'the AWS SDK': /\/node_modules\/@aws-sdk\//,
  ioredis: /\/node_modules\/ioredis\//,
  ExifTool: /\/node_modules\/exiftool-vendored\//,
  '7-Zip': /\/node_modules\/7z-wasm\//,
  'prom-client': /\/node_modules\/prom-client\//,
} as const;
type Heavy = keyof typeof HEAVY;

/** Which heavy dependencies a node process started with `args` (in the repository) loaded. */
function heavyLoadedBy(args: string[]): Heavy[] {
  const dir = tempDir('rxstoq-modules-');
  const log = join(dir, 'modules.log');
  writeFileSync(log, '');
  const ran = spawnSync(process.execPath, ['--import', REGISTER, ...args], {
    cwd: ROOT,
    env: cleanEnv({ MODULE_LOAD_LOG: log }),
    encoding: 'utf8',
  });
  expect(ran.status, ran.stderr).toBe(0);
  const loaded = readFileSync(log, 'utf8').split('\n');
  // The log must really hold the core's own modules, or an empty log would pass every case.
  expect(loaded.some((m) => m.endsWith('/dist/src/index.js'))).toBe(true);
  return (Object.keys(HEAVY) as Heavy[]).filter((name) => loaded.some((m) => HEAVY[name].test(m)));
}

function payloadFile(): string {
  const file = join(tempDir('rxstoq-payload-'), 'payload.txt');
  writeFileSync(file, 'a small payload\n');
  return file;
}

describe('heavy dependencies', () => {
  it("import 'rxstoq' loads none of them", () => {
    expect(heavyLoadedBy(['--input-type=module', '-e', "await import('rxstoq');"])).toEqual([]);
  });

  it('stoq scan FILE -a hash loads none of them', () => {
    expect(heavyLoadedBy([STOQ_BIN, 'scan', payloadFile(), '-a', 'hash', '--log-level', 'error'])).toEqual([]);
  });

  it('prom-client loads when metrics are on, and nothing else heavy does', () => {
    expect(heavyLoadedBy([STOQ_BIN, 'scan', payloadFile(), '-a', 'hash', '--metrics-port', '0', '--log-level', 'error'])).toEqual(['prom-client']);
  });

  it('each loads with its plugin: stoq list imports every plugin module (7-Zip runs in extraction threads only)', () => {
    expect(heavyLoadedBy([STOQ_BIN, 'list'])).toEqual(['the AWS SDK', 'ioredis', 'ExifTool']);
  });
});
