import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Request, Stoq, type CallContext } from 'rxstoq';
import type { YaraPlugin } from './yara.js';

// Each version of the rule file matches a different word, so a result's matches tell which
// version made it, independently of the hash it carries.
const V1 = 'rule v1_alpha { strings: $a = "alpha" condition: $a }\n';
const V2 = 'rule v2_beta { strings: $b = "beta" condition: $b }\n';
const BROKEN = 'rule v3_broken { strings: $c = "gamma" condition: $nope }\n';
const V3 = 'rule v3_gamma { strings: $c = "gamma" condition: $c }\n';
const RULE_OF: Record<string, string> = {};
const CONTENT = Buffer.from('alpha beta gamma');

/** The documented hash: each source (rule file first, then includes) as `<byte length>\n<bytes>`. */
function expectedHash(...sources: string[]): string {
  const hash = createHash('sha256');
  for (const s of sources) hash.update(`${Buffer.byteLength(s)}\n`).update(s);
  return hash.digest('hex');
}
for (const [text, rule] of [
  [V1, 'v1_alpha'],
  [V2, 'v2_beta'],
  [V3, 'v3_gamma'],
] as const)
  RULE_OF[expectedHash(text)] = rule;

let dir: string;
let ruleFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxstoq-yara-live-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Replace the rule file in one step, as an editor or a deploy tool does (rename over it). */
function replaceRules(text: string): void {
  writeFileSync(`${ruleFile}.tmp`, text);
  renameSync(`${ruleFile}.tmp`, ruleFile);
}

/** A Stoq whose log lines are kept, with yara in-process (isolation: none) so the test reaches the plugin. */
async function start(name: string, { cache = true, initial = V1, ...extra }: Record<string, unknown> = {}) {
  ruleFile = join(dir, `${name}.yar`);
  writeFileSync(ruleFile, initial as string);
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const stoq = new Stoq({
    logger: pino({ level: 'info' }, sink),
    alwaysDispatch: ['yara'],
    pluginOpts: { yara: { worker_rules: ruleFile, dispatch_rules: '', isolation: 'none', watch_debounce_ms: 20, ...extra } },
    ...(cache ? { resultCache: { maxBytes: 1 << 20 } } : {}),
  });
  const yara = (await stoq.loadPlugin('yara')) as YaraPlugin;
  return { stoq, yara, lines };
}

type YaraResult = { matches: Array<{ rule: string }>; rules_sha256: string; rules_stale?: true };

describe('live yara rules', () => {
  it('swaps rules while scans run: later payloads use the new rules, a broken file keeps the last good set, fixing it swaps again', async () => {
    const { stoq, yara, lines } = await start('busy');
    const seen: Array<YaraResult & { errors: string[] }> = [];
    let stop = false;
    let firstResult!: () => void;
    const started = new Promise<void>((resolve) => (firstResult = resolve));
    // Two scan loops keep the engine busy for the whole test (same content: the result cache is on).
    const busy = [0, 1].map(async () => {
      while (!stop) {
        const response = await stoq.scan(CONTENT);
        const yaraResult = response.results[0]!.workers['yara'] as YaraResult;
        seen.push({ ...yaraResult, errors: response.errors.map((e) => `${e.plugin_name}: ${e.error}`) });
        firstResult();
        // Cache hits can complete in microtasks alone; a real provider waits on I/O between items.
        await new Promise(setImmediate);
      }
    });
    const scanNow = async () => (await stoq.scan(CONTENT)).results[0]!.workers['yara'] as YaraResult;
    try {
      await started;
      const h1 = expectedHash(V1);
      expect(yara.cacheVariant()).toBe(h1);

      let reload = yara.nextReload();
      replaceRules(V2);
      expect(await reload).toEqual({ file: ruleFile, ok: true, sha256: expectedHash(V2) });
      const afterSwap = await scanNow();
      expect(afterSwap.matches.map((m) => m.rule)).toEqual(['v2_beta']);
      expect(afterSwap.rules_sha256).toBe(expectedHash(V2));
      expect(yara.cacheVariant()).toBe(expectedHash(V2));
      expect(lines.some((l) => l['level'] === 30 && l['msg'] === `yara rules reloaded from ${ruleFile}` && l['previous_sha256'] === h1)).toBe(true);

      reload = yara.nextReload();
      replaceRules(BROKEN);
      const failed = await reload;
      expect(failed).toMatchObject({ ok: false, sha256: expectedHash(V2) });
      expect(failed.error).toContain(`${ruleFile}:1:`);
      expect(failed.error).toContain('unknown pattern `$nope`');
      const logged = lines.find((l) => l['level'] === 50);
      expect(logged).toMatchObject({ rules: ruleFile, rules_sha256: expectedHash(V2), err: failed.error });
      expect(logged!['msg']).toContain(`${ruleFile}:1:`);
      const kept = await scanNow();
      expect(kept.matches.map((m) => m.rule)).toEqual(['v2_beta']);
      expect(kept.rules_sha256).toBe(expectedHash(V2));
      expect(kept.rules_stale).toBe(true);
      expect(yara.cacheVariant()).toBe(`${expectedHash(V2)}:stale`);

      reload = yara.nextReload();
      replaceRules(V3);
      expect(await reload).toMatchObject({ ok: true, sha256: expectedHash(V3) });
      const fixed = await scanNow();
      expect(fixed.matches.map((m) => m.rule)).toEqual(['v3_gamma']);
      expect(fixed.rules_sha256).toBe(expectedHash(V3));
      expect(fixed.rules_stale).toBeUndefined();
      // The result cache is on and answers these scans: what the swaps above saw was not a cache
      // miss by luck, the rules' hash is part of the key.
      const again = await stoq.scan(CONTENT);
      expect(again.results[0]!.cached_workers).toContain('yara');
      const cached = again.results[0]!.workers['yara'] as YaraResult;
      expect(cached.rules_sha256).toBe(expectedHash(V3));
      expect(cached.matches.map((m) => m.rule)).toEqual(['v3_gamma']);
    } finally {
      stop = true;
      await Promise.all(busy);
      await stoq.close();
    }
    // No scan failed, and every result's matches are those of the rules its hash names.
    expect(seen.length).toBeGreaterThan(0);
    for (const r of seen) {
      expect(r.errors).toEqual([]);
      expect(r.matches.map((m) => m.rule)).toEqual([RULE_OF[r.rules_sha256]]);
    }
  });

  it('a scan in progress finishes with the rules it started with', async () => {
    const { stoq, yara } = await start('inflight', { watch: false, cache: false });
    try {
      const ctx: CallContext = { signal: new AbortController().signal, log: stoq.log };
      const big = new Payload(Buffer.concat([Buffer.alloc(8 << 20, 0x20), CONTENT]));
      const running = yara.scan(big, new Request(), ctx);
      // The scan has taken its rule set and waits on the thread pool; the swap happens now.
      writeFileSync(ruleFile, V2);
      expect(yara.reloadRules()).toEqual([{ file: ruleFile, ok: true, sha256: expectedHash(V2) }]);
      const before = (await running).results as YaraResult;
      expect(before.rules_sha256).toBe(expectedHash(V1));
      expect(before.matches.map((m) => m.rule)).toEqual(['v1_alpha']);
      const after = (await yara.scan(new Payload(CONTENT), new Request(), ctx)).results as YaraResult;
      expect(after.matches.map((m) => m.rule)).toEqual(['v2_beta']);
    } finally {
      await stoq.close();
    }
  });

  it('ends on the last of several quick replacements (none of them lost)', async () => {
    const { stoq, yara } = await start('quick', { cache: false });
    try {
      let outcome = yara.nextReload();
      for (const text of [V2, V1, V2, V3]) replaceRules(text);
      // One reload or several, the last one compiles what was written last.
      while ((await outcome).sha256 !== expectedHash(V3)) outcome = yara.nextReload();
      const result = (await stoq.scan(CONTENT)).results[0]!.workers['yara'] as YaraResult;
      expect(result.matches.map((m) => m.rule)).toEqual(['v3_gamma']);
    } finally {
      await stoq.close();
    }
  });

  it('reloads when an included file changes, and hashes the included sources too', async () => {
    const included = join(dir, 'words.yar');
    writeFileSync(included, V1);
    const top = 'include "words.yar"\n';
    const { stoq, yara } = await start('includer', { cache: false, initial: top });
    try {
      expect(yara.cacheVariant()).toBe(expectedHash(top, V1));
      const reload = yara.nextReload();
      writeFileSync(`${included}.tmp`, V2);
      renameSync(`${included}.tmp`, included);
      expect(await reload).toMatchObject({ ok: true, sha256: expectedHash(top, V2) });
      const result = (await stoq.scan(CONTENT)).results[0]!.workers['yara'] as YaraResult;
      expect(result.matches.map((m) => m.rule)).toEqual(['v2_beta']);
      expect(readFileSync(ruleFile, 'utf8')).toBe(top);
    } finally {
      await stoq.close();
    }
  });
});
