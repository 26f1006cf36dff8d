import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DispatcherResponse, Payload, Request, Stoq, StoqPluginException, WorkerResponse, dumps, type CallContext } from 'rxstoq';
import { makePeHeader, xorWith } from '../../test/support/samples.js';
import { writeSampleSet } from '../../test/support/sample-set.js';
import type { YaraPlugin } from './yara.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SCAN_RULES = join(FIXTURES, 'scan_rules.yar');
const DISPATCH_RULES = join(FIXTURES, 'dispatch_rules.yar');

const stoqs: Stoq[] = [];
async function loadYara(options: Record<string, unknown> = {}): Promise<YaraPlugin> {
  const stoq = new Stoq({ pluginOpts: { yara: options }, logLevel: 'silent' });
  stoqs.push(stoq);
  return (await stoq.loadPlugin('yara')) as YaraPlugin;
}
const ctx = (): CallContext => ({ signal: new AbortController().signal, log: stoqs[0]!.log });

type Match = {
  rule: string;
  namespace: string;
  tags: string[];
  meta: Record<string, unknown>;
  strings: Array<{ offset: number; identifier: string; data: Buffer }>;
};
const matchesOf = (r: WorkerResponse) => (r.results as { matches: Match[] }).matches;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rxstoq-yara-'));
});
afterAll(async () => {
  await Promise.all(stoqs.map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
});

describe('yara worker', () => {
  it('reports rule, namespace, tags, meta and strings sliced from the payload', async () => {
    const yara = await loadYara({ worker_rules: SCAN_RULES });
    const payload = new Payload(Buffer.from('xxtesttesttestyy'));
    const response = await yara.scan(payload, new Request(), ctx());
    expect(response).toBeInstanceOf(WorkerResponse);
    const [match] = matchesOf(response);
    expect(match).toMatchObject({ rule: 'test_scan_rule', namespace: 'default', tags: ['tag1', 'tag2'] });
    expect(match!.meta).toEqual({ plugin: 'test_scan_plugin', save: 'True' });
    expect(match!.strings).toHaveLength(1);
    expect(match!.strings[0]).toMatchObject({ offset: 2, identifier: '$a' });
    expect(Buffer.from(match!.strings[0]!.data).toString()).toBe('testtesttest');
    const json = JSON.parse(dumps(response.results)) as { matches: Array<{ strings: Array<{ data: string }> }> };
    expect(json.matches[0]!.strings[0]!.data).toBe('testtesttest');
  });

  it('returns an empty match list when nothing matches, and skips private rules', async () => {
    const yara = await loadYara({ worker_rules: SCAN_RULES });
    expect(matchesOf(await yara.scan(new Payload('nothing here'), new Request(), ctx()))).toEqual([]);
    const rules = matchesOf(await yara.scan(new Payload('private-check'), new Request(), ctx())).map((m) => m.rule);
    expect(rules).toEqual(['test_uses_private']);
  });

  it('cuts each match to strings_limit strings', async () => {
    const all = await loadYara({ worker_rules: SCAN_RULES });
    const limited = await loadYara({ worker_rules: SCAN_RULES, strings_limit: 5 });
    const payload = new Payload(Buffer.from('testtesttest'.repeat(10)));
    expect(matchesOf(await all.scan(payload, new Request(), ctx()))[0]!.strings.length).toBeGreaterThan(5);
    const cut = matchesOf(await limited.scan(payload, new Request(), ctx()))[0]!.strings;
    expect(cut).toHaveLength(5);
    expect(cut.map((s) => s.offset)).toEqual([0, 4, 8, 12, 16]);
  });

  it('accepts strings_limit given as text (command line, environment)', async () => {
    const yara = await loadYara({ worker_rules: SCAN_RULES, strings_limit: '2' });
    expect(matchesOf(await yara.scan(new Payload('testtesttest'.repeat(4)), new Request(), ctx()))[0]!.strings).toHaveLength(2);
  });

  it('restores meta values the YARA-X binding cannot represent (escaped strings, booleans)', async () => {
    const yara = await loadYara({ worker_rules: SCAN_RULES });
    const [match] = matchesOf(await yara.scan(new Payload('meta_bytes'), new Request(), ctx()));
    expect(match!.rule).toBe('test_scan_metadata_bytes');
    expect(match!.meta).toEqual({ author: 'Peter Rabbit', bytes: 'ANeato', quoted: 'say "hi" // not a comment', enabled: false, weight: -3, size: 16 });
    expect(match!.strings.map((s) => s.identifier)).toEqual(['$a', '$re', '$hex']);
  });

  it('scans with the shipped default rules', async () => {
    const yara = await loadYara();
    const rules = (content: Buffer) => yara.scan(new Payload(content), new Request(), ctx()).then((r) => matchesOf(r).map((m) => m.rule));
    expect(await rules(makePeHeader())).toEqual(['executable_pe']);
    expect(await rules(Buffer.concat([Buffer.alloc(64), makePeHeader()]))).toEqual(['executable_embedded_pe']);
    expect(await rules(Buffer.from('see http://example.org/x'))).toEqual(['network_url']);
  });
});

describe('yara rule loading', () => {
  it('names file, line and message when a rule file does not compile', async () => {
    const bad = join(tmp, 'bad.yar');
    writeFileSync(bad, 'rule fine { condition: true }\n\nrule broken {\n  strings:\n    $a = "x"\n  condition:\n    $b\n}\n');
    const err = await loadYara({ worker_rules: bad }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(StoqPluginException);
    expect((err as Error).message).toContain(`${bad}:7:5`);
    expect((err as Error).message).toMatch(/unknown pattern `\$b`|unknown identifier/);
  });

  it('names the included file when the error is inside an include', async () => {
    writeFileSync(join(tmp, 'inner.yar'), 'rule inner {\n  condition:\n    nonsense(\n}\n');
    const outer = join(tmp, 'outer.yar');
    writeFileSync(outer, 'include "inner.yar"\nrule outer { condition: filesize > 0 }\n');
    const err = await loadYara({ dispatch_rules: outer }).catch((e: unknown) => e as Error);
    expect((err as Error).message).toContain(`${join(tmp, 'inner.yar')}:`);
  });

  it('refuses a rule file that does not exist', async () => {
    await expect(loadYara({ worker_rules: join(tmp, 'missing.yar') })).rejects.toThrow(/Nonexistent yara rules file provided: .*missing\.yar/);
  });

  it('resolves include statements relative to the including file', async () => {
    writeFileSync(join(tmp, 'included.yar'), 'rule from_include { strings: $a = "included!" condition: $a }\n');
    const main = join(tmp, 'main.yar');
    writeFileSync(main, 'include "included.yar"\n');
    const yara = await loadYara({ worker_rules: main });
    expect(matchesOf(await yara.scan(new Payload('it is included!'), new Request(), ctx())).map((m) => m.rule)).toEqual(['from_include']);
  });
});

describe('yara dispatcher', () => {
  it('routes to the lower-cased, trimmed plugin names of matching rules and keeps the match as meta', async () => {
    const yara = await loadYara({ dispatch_rules: DISPATCH_RULES });
    const payload = new Payload('testtesttest');
    const response = await yara.getDispatches(payload, new Request(), ctx());
    expect(response).toBeInstanceOf(DispatcherResponse);
    expect(response.plugin_names).toEqual(['test_dispatch_plugin', 'hash']);
    const meta = response.meta['test_dispatch_plugin'] as Match;
    expect(meta.rule).toBe('test_dispatch_rule');
    expect(meta.tags).toEqual(['tag1', 'tag2']);
    expect(meta.meta['save']).toBe('True');
    expect(response.meta['hash']).toBe(meta);
    expect(payload.results.payload_meta.should_archive).toBe(true);
  });

  it('clears should_archive when a matching rule says save = "false" (any case)', async () => {
    const yara = await loadYara({ dispatch_rules: DISPATCH_RULES });
    const payload = new Payload('save_false');
    const response = await yara.getDispatches(payload, new Request(), ctx());
    expect(response.plugin_names).toEqual(['save_false']);
    expect(payload.results.payload_meta.should_archive).toBe(false);
    const alone = new Payload('only_save');
    expect((await yara.getDispatches(alone, new Request(), ctx())).plugin_names).toEqual([]);
    expect(alone.results.payload_meta.should_archive).toBe(false);
  });

  it('extracts the first XOR key as a list of ints for xordecode', async () => {
    const yara = await loadYara({ dispatch_rules: DISPATCH_RULES });
    const content = Buffer.concat([
      Buffer.from('0123456789abc'),
      xorWith(Buffer.from('This program'), [0x15]),
      Buffer.from('.'),
      xorWith(Buffer.from('This program'), [0x11, 0x10]),
    ]);
    const response = await yara.getDispatches(new Payload(content), new Request(), ctx());
    expect(response.plugin_names).toEqual(['xordecode']);
    const meta = (response.meta['xordecode'] as Match).meta;
    expect(meta['xorkey']).toEqual([0x15]);
    expect(meta['xor_info']).toBeUndefined();
    expect(JSON.parse(dumps(meta))['xorkey']).toEqual([21]);
  });

  it('reports every XOR key as xor_info when xor_first_match is off', async () => {
    const yara = await loadYara({ dispatch_rules: DISPATCH_RULES, xor_first_match: 'false' });
    const content = Buffer.concat([
      Buffer.from('0123456789abc'),
      xorWith(Buffer.from('This program'), [0x15]),
      Buffer.from('.'),
      xorWith(Buffer.from('This program'), [0x11, 0x10]),
    ]);
    const meta = ((await yara.getDispatches(new Payload(content), new Request(), ctx())).meta['xordecode'] as Match).meta;
    expect(meta['xor_info']).toEqual([
      [13, '$this_prog', [0x15]],
      [26, '$this_prog_2b', [0x11, 0x10]],
    ]);
    expect(meta['xorkey']).toBeUndefined();
  });

  it('extracts no key for rules that do not route to xordecode', async () => {
    const yara = await loadYara({ dispatch_rules: DISPATCH_RULES });
    const response = await yara.getDispatches(new Payload(xorWith(Buffer.from('Another plaintext'), [7])), new Request(), ctx());
    expect(response.plugin_names).toEqual(['hash']);
    expect((response.meta['hash'] as Match).meta['xorkey']).toBeUndefined();
  });

  it('recovers the key of a XOR-encoded PE header with the shipped rules', async () => {
    const yara = await loadYara();
    const encoded = xorWith(makePeHeader(), [0xa7]);
    const response = await yara.getDispatches(new Payload(encoded), new Request(), ctx());
    expect(response.plugin_names).toEqual(['xordecode']);
    const match = response.meta['xordecode'] as Match;
    expect(match.rule).toBe('encoding_xor_dos_stub');
    expect(match.meta['xorkey']).toEqual([0xa7]);
    // Decoding with the recovered key gives back the original header.
    expect(
      xorWith(encoded, match.meta['xorkey'] as number[])
        .subarray(0, 2)
        .toString('latin1'),
    ).toBe('MZ');
  });

  it('routes every sample kind to the bundled plugin the shipped rules name', async () => {
    const dir = mkdtempSync(join(tmp, 'samples-'));
    const expected = writeSampleSet(dir);
    const yara = await loadYara();
    for (const [name, plugins] of Object.entries(expected)) {
      const response = await yara.getDispatches(new Payload(readFileSync(join(dir, name))), new Request(), ctx());
      expect([...response.plugin_names].sort(), name).toEqual([...plugins].sort());
    }
  });

  it('returns no dispatches when dispatch_rules is empty', async () => {
    const yara = await loadYara({ dispatch_rules: '' });
    expect((await yara.getDispatches(new Payload('testtesttest'), new Request(), ctx())).plugin_names).toEqual([]);
  });

  it('stops before scanning when the call is already cancelled', async () => {
    const yara = await loadYara();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(yara.scan(new Payload('x'), new Request(), { signal: controller.signal, log: stoqs[0]!.log })).rejects.toThrow('stop');
  });
});

describe('yara dispatcher in the engine', () => {
  it('routes a XOR-encoded PE to xordecode with the recovered key, and base64 text to b64decode', async () => {
    const stoq = new Stoq({ alwaysDispatch: [], dispatchers: ['yara'], logLevel: 'silent' });
    stoqs.push(stoq);
    const pe = makePeHeader();
    const xored = await stoq.scan(xorWith(pe, [0x3c]));
    expect(xored.errors).toEqual([]);
    expect(xored.results[0]!.plugins_run.workers).toEqual(['xordecode']);
    const decoded = xored.results.find((r) => r.extracted_by.includes('xordecode'))!;
    expect(decoded.size).toBe(pe.length);
    expect(decoded.payload_meta.extra_data['xorkey']).toEqual([0x3c]);

    const encoded = await stoq.scan(Buffer.from(pe.toString('base64').replace(/(.{76})/g, '$1\n')));
    expect(encoded.errors).toEqual([]);
    expect(encoded.results[0]!.plugins_run.workers).toEqual(['b64decode']);
    expect(encoded.results.find((r) => r.extracted_by.includes('b64decode'))!.size).toBe(pe.length);
  });
});
