import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Stoq, type StoqError, type WorkerResponse } from 'rxstoq';
import { INVALID, javascriptFuzzSeed, VALID } from './fixtures/sources.js';
import type { JavascriptPlugin } from './javascript.js';
import type { JavascriptResult } from './javascript-result.js';

interface Reference {
  parsed: boolean;
  strings: string[];
  calls: Record<string, number>;
}

const SOURCES: [string, string][] = [...Object.entries(VALID), ...Object.entries(INVALID)];
const encode = (s: string) => new TextEncoder().encode(s);
const sortedUnique = (xs: string[]) => [...new Set(xs)].sort();

describe('javascript plugin', () => {
  let dir: string;
  let stoq: Stoq;
  const stoqs: Stoq[] = [];
  const plugins = new Map<string, JavascriptPlugin>();
  let refs: Reference[] = [];

  const scan = async (source: string) => {
    const response = await stoq.scan(encode(source));
    return { response, js: response.results[0]!.workers['javascript'] as JavascriptResult };
  };
  const direct = async (content: Uint8Array, options: Record<string, unknown> = {}) => {
    // One Stoq per set of options: creating one per call would cost more than the scans.
    const key = JSON.stringify(options);
    let plugin = plugins.get(key);
    if (!plugin) {
      const s = new Stoq({ logLevel: 'silent', pluginOpts: { javascript: options } });
      stoqs.push(s);
      plugin = (await s.loadPlugin('javascript')) as JavascriptPlugin;
      plugins.set(key, plugin);
    }
    const r = plugin.scan(new Payload(content)) as WorkerResponse;
    return { js: r.results as unknown as JavascriptResult, errors: r.errors.map((e) => (e as StoqError).error) };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-javascript-'));
    const files = SOURCES.map(([, source], i) => {
      const file = join(dir, `s${i}.js`);
      writeFileSync(file, source, 'utf8');
      return file;
    });
    const run = spawnSync(process.execPath, [join(import.meta.dirname, 'fixtures', 'esprima_reference.cjs'), ...files], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`esprima_reference.cjs failed: ${run.stderr}`);
    refs = JSON.parse(run.stdout) as Reference[];
    stoq = new Stoq({ alwaysDispatch: ['javascript'], logLevel: 'silent' });
  });

  afterAll(async () => {
    await stoq?.close();
    for (const s of stoqs) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(SOURCES.map(([name], i) => [name, i] as const))('agrees with esprima on %s', async (name, i) => {
    const ref = refs[i]!;
    const { response, js } = await scan(SOURCES[i]![1]);
    expect(ref.parsed).toBe(name in VALID);
    expect(js.parse.mode === 'script' || js.parse.mode === 'module').toBe(ref.parsed);
    if (!ref.parsed) {
      expect(js.parse.errors.map((e) => e.mode).slice(0, 2)).toEqual(['script', 'module']);
      return;
    }
    expect(response.errors).toEqual([]);
    expect(js.strings.total).toBe(ref.strings.length);
    expect([...js.strings.values].sort()).toEqual(sortedUnique(ref.strings));
    expect(js.calls.by_name).toEqual(ref.calls);
  });

  it('reports what a WSH dropper does', async () => {
    const { js } = await scan(VALID['a WSH dropper']!);
    expect(js.suspicious).toEqual({
      'new ActiveXObject': 2,
      'WScript.CreateObject': 1,
      '.Run()': 1,
      '.run()': 1,
      'WScript.Sleep': 1,
      'string: WScript.Shell': 1,
      'string: MSXML2.XMLHTTP': 1,
      'string: ADODB.Stream': 1,
      'string: powershell': 1,
      'string: -EncodedCommand': 1,
      'string: cmd /c': 1,
    });
    expect(js.urls).toEqual(['http://198.51.100.7/p.exe']);
    expect(js.ips).toEqual(['198.51.100.7']);
    expect(js.obfuscation.max_concat_depth).toBe(4);
  });

  it('reports decoders, redirects and code run from strings', async () => {
    const { js } = await scan(VALID['a charCode decoder and redirects']!);
    expect(js.suspicious).toMatchObject({
      'String.fromCharCode': 1,
      'charCodeAt in a loop': 2,
      'location assignment': 2,
      'location.replace/assign': 1,
      'document.write': 1,
      unescape: 1,
      escape: 1,
      'setTimeout(string)': 1,
      'new Function': 1,
      Function: 1,
      btoa: 1,
      atob: 1,
    });
    // `window['eval']` read into a variable and called through it is not seen as eval.
    expect(js.suspicious.eval).toBeUndefined();
    expect(js.suspicious['setInterval(string)']).toBeUndefined();
    expect(js.obfuscation.eval_of_decoded).toBe(1);
    expect(js.urls).toEqual(['https://phish.example.com/login?x=', 'http://203.0.113.50:8080/next', 'http://evil.example.org/']);
  });

  it('measures obfuscation in an _0x-style loader', async () => {
    const { js } = await scan(VALID['an _0x-style obfuscated loader']!);
    expect(js.identifiers.hex_style_share).toBeGreaterThan(0.5);
    expect(js.obfuscation.escape_share).toBeGreaterThan(0.4);
    expect(js.obfuscation.eval_of_decoded).toBe(1);
    expect(js.strings.values).toContain('http://evil.example/gate');
    expect(js.urls).toEqual(['http://evil.example/gate']);
    expect(js.suspicious).toMatchObject({ eval: 1, unescape: 1, atob: 1 });
  });

  it('reads broken code with acorn-loose and says why the strict parses failed', async () => {
    const { response, js } = await scan('var a = "http://x.example/a";\neval(a) +;\ndocument.write("x"');
    expect(response.errors).toEqual([]);
    expect(js.parse.mode).toBe('loose');
    expect(js.parse.errors.map((e) => e.mode)).toEqual(['script', 'module']);
    expect(js.parse.errors[0]!.offset).toBe(39);
    expect(js.urls).toEqual(['http://x.example/a']);
    expect(js.suspicious).toMatchObject({ eval: 1, 'document.write': 1 });
  });

  describe('hostile input', () => {
    it('survives a 100k-deep expression: an error, results from the tokens', async () => {
      const { response, js } = await scan(`var u = "http://deep.example/";${'('.repeat(100_000)}1${')'.repeat(100_000)}`);
      expect(response.errors).toHaveLength(1);
      expect(response.errors[0]!.error).toBe('javascript: nesting too deep to parse (call stack exhausted); results from the tokens only');
      expect(response.errors[0]!.plugin_name).toBe('javascript');
      expect(js.parse.mode).toBeNull();
      expect(js.urls).toEqual(['http://deep.example/']);
      expect(js.counts.tokens).toBe(200_006);
    });

    it('survives 1 MB of minified concatenation (too deep for acorn) and keeps the literals', async () => {
      const source = `var s=${Array.from({ length: 250_000 }, (_, i) => `'x${(i % 97).toString(36)}'`).join('+')};`;
      expect(source.length).toBeGreaterThan(1_000_000);
      const { response, js } = await scan(source);
      expect(response.errors.map((e) => e.error)).toEqual(['javascript: nesting too deep to parse (call stack exhausted); results from the tokens only']);
      expect(js.strings).toMatchObject({ total: 250_000, unique: 97 });
    });

    it('does not give acorn more declarations than max_declarations (its scope checks are quadratic)', async () => {
      const source = Array.from({ length: 300 }, (_, i) => `let a${i} = "http://h${i}.example/";var b${i};`).join('');
      const { js, errors } = await direct(encode(source), { max_declarations: 500 });
      expect(errors).toEqual(['javascript: not parsed: 600 declarations, more than max_declarations (500); results from the tokens only']);
      expect(js.parse).toEqual({
        mode: null,
        errors: [{ mode: 'script', message: 'not tried: 600 declarations, more than max_declarations (500)', offset: null }],
      });
      expect(js.urls).toHaveLength(300);
      expect(js.keywords.by_name).toEqual({ var: 300 });
    });

    it('bounds bytes, nodes and literals', async () => {
      const source = Array.from({ length: 2000 }, (_, i) => `f("s${i}");`).join('\n');
      const { js, errors } = await direct(encode(source), { max_nodes: 100, max_literals: 10, max_bytes: 10_000 });
      expect(errors).toEqual([
        `javascript: only the first 10000 of ${source.length} bytes parsed (max_bytes)`,
        'javascript: syntax tree walk stopped at max_nodes (100); later code not analysed',
      ]);
      expect(js.counts.nodes).toBe(100);
      expect(js.strings.values).toHaveLength(10);
      expect(js.strings.dropped).toBe(js.strings.unique - 10);
    });

    it('reads NULs, binary garbage and a fuzz seed without crashing', async () => {
      const nul = await direct(encode(`var a = "x\0y";\0 b();${'\nvar c = 1;'.repeat(20)}`));
      expect(nul.js.parse.mode).toBe('loose');
      expect(nul.js.strings.values).toEqual(['x\0y']);
      expect(nul.js.calls.by_name).toEqual({ b: 1 });
      let seed = 7;
      const garbage = new Uint8Array(1 << 16).map(() => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed >>> 24;
      });
      const g = await direct(garbage);
      expect(g.js.parse.mode).toBeNull();
      expect(g.js.parse.errors.at(-1)).toEqual({ mode: 'loose', message: 'not tried: the source looks binary', offset: null });
      expect(g.errors).toHaveLength(1);
      expect(g.errors[0]).toMatch(/^javascript: not parsed: /);
      const fuzz = await direct(javascriptFuzzSeed());
      expect(fuzz.errors).toEqual([]);
      expect(fuzz.js.parse.mode).toBe('script');
    });
  });
});
