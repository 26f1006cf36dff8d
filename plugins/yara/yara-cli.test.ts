import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Request, Stoq } from 'rxstoq';
import { makePeHeader, pseudoRandom, xorWith } from '../../test/support/samples.js';
import { writeSampleSet } from '../../test/support/sample-set.js';
import type { YaraPlugin } from './yara.js';

/**
 * The plugin (YARA-X) against Debian's `yara` command (libyara 4.2.3) on the same rule files and
 * the same files: the same rules must match, with the same patterns at the same offsets.
 */
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const RULE_FILES = {
  'rules/stoq.yar': here('./rules/stoq.yar'),
  'rules/dispatcher.yar': here('./rules/dispatcher.yar'),
  'fixtures/scan_rules.yar': here('./fixtures/scan_rules.yar'),
  'fixtures/dispatch_rules.yar': here('./fixtures/dispatch_rules.yar'),
};

type Found = Map<string, Set<string>>; // rule -> "offset:$id"

/** `yara -s` output for one file: rule lines, then `0xOFFSET:$id: data` lines for that rule. */
function yaraCli(rules: string, file: string): Found {
  const out = execFileSync('yara', ['-w', '-s', rules, file], { encoding: 'latin1', maxBuffer: 64 << 20 });
  const found: Found = new Map();
  let current: Set<string> | undefined;
  for (const line of out.split('\n')) {
    const hit = /^0x([0-9a-f]+):(\$\w+):/.exec(line);
    if (hit && current) current.add(`${Number.parseInt(hit[1]!, 16)}:${hit[2]}`);
    else if (line.endsWith(` ${file}`)) found.set(line.slice(0, -file.length - 1).split(' ')[0]!, (current = new Set()));
  }
  return found;
}

const stoqs: Stoq[] = [];
async function pluginFor(rules: string): Promise<YaraPlugin> {
  const stoq = new Stoq({ pluginOpts: { yara: { worker_rules: rules, dispatch_rules: '' } }, logLevel: 'silent' });
  stoqs.push(stoq);
  return (await stoq.loadPlugin('yara')) as YaraPlugin;
}

async function pluginScan(plugin: YaraPlugin, content: Buffer): Promise<Found> {
  const response = await plugin.scan(new Payload(content), new Request(), { signal: new AbortController().signal, log: stoqs[0]!.log });
  const found: Found = new Map();
  for (const m of (response.results as { matches: Array<{ rule: string; strings: Array<{ offset: number; identifier: string }> }> }).matches) {
    found.set(m.rule, new Set(m.strings.map((s) => `${s.offset}:${s.identifier}`)));
  }
  return found;
}

let dir: string;
let files: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxstoq-yara-cli-'));
  files = Object.keys(writeSampleSet(dir));
  const extra: Record<string, Buffer> = {
    'testtest.txt': Buffer.from('testtesttest'.repeat(10)),
    'meta.txt': Buffer.from('xx meta_bytes yy meta_bytes'),
    'private.txt': Buffer.from('a private-check here'),
    'save.txt': Buffer.from('save_false and only_save'),
    'xor.bin': Buffer.concat([
      Buffer.from('0123456789abc'),
      xorWith(Buffer.from('This program'), [0x15]),
      Buffer.from('.'),
      xorWith(Buffer.from('This program'), [0x11, 0x10]),
    ]),
    'xor-other.bin': xorWith(Buffer.from('Another plaintext, twice: Another plaintext'), [0x33]),
    'pe-in-noise.bin': Buffer.concat([pseudoRandom(3000, 11), makePeHeader(), pseudoRandom(500, 12)]),
    'urls.txt': Buffer.from('http://a.example https://b.example/c?d=e http://x'),
    'empty.bin': Buffer.alloc(0),
  };
  for (const [name, data] of Object.entries(extra)) writeFileSync(join(dir, name), data);
  files.push(...Object.keys(extra));
});
afterAll(async () => {
  await Promise.all(stoqs.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('yara plugin vs the yara 4.2.3 command line', () => {
  it('is comparing against libyara 4.x', () => {
    expect(execFileSync('yara', ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^4\./);
  });

  for (const [label, rules] of Object.entries(RULE_FILES)) {
    it(`matches the same rules, patterns and offsets with ${label}`, async () => {
      const plugin = await pluginFor(rules);
      let matched = 0;
      for (const name of files) {
        const path = join(dir, name);
        const ours = await pluginScan(plugin, readFileSync(path));
        const theirs = yaraCli(rules, path);
        expect([...ours.keys()].sort(), `rules matched on ${name}`).toEqual([...theirs.keys()].sort());
        for (const [rule, strings] of theirs) expect([...ours.get(rule)!].sort(), `${rule} on ${name}`).toEqual([...strings].sort());
        matched += ours.size;
      }
      // The comparison means something only if the sample set exercises the rules.
      expect(matched).toBeGreaterThan(2);
    });
  }
});
