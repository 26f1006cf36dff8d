import { isAbsolute, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { RuleMatch } from './binding.js';
import { DispatcherResponse, WorkerPlugin, WorkerResponse, type CallContext, type Payload, type Request } from 'rxstoq';
import { z } from 'zod';
import { compileRuleFile, type RuleSet } from './compile.js';
import { LiveRules, type ReloadOutcome } from './live-rules.js';
import { allStrings, findXorKeys, toMatchDict, type MatchDict } from './matches.js';

const OptionsSchema = z.object({
  /** Rule files; relative paths resolve from the plugin's folder; empty or null: none. */
  worker_rules: z.string().nullable().default('rules/stoq.yar'),
  dispatch_rules: z.string().nullable().default('rules/dispatcher.yar'),
  /** At most this many string matches kept per matching rule; unset: all. */
  strings_limit: z.number().int().nonnegative().nullish(),
  /** Seconds per call; the engine terminates the call's thread when it passes. */
  timeout: z.number().positive().default(60),
  xor_first_match: z.boolean().default(true),
  /** Recompile the rule files when they (or files they include) change, and use the new rules from the next payload on. */
  watch: z.boolean().default(true),
  /** Milliseconds to wait after a change before recompiling, so one save that fires several events compiles once. */
  watch_debounce_ms: z.number().int().nonnegative().default(200),
});

/**
 * YARA over every payload, on YARA-X: as a worker it reports the matches of `worker_rules`; as a
 * dispatcher it routes payloads to the plugins named in the `plugin` meta of `dispatch_rules`.
 * Rules are compiled at load and again whenever their files change (see live-rules.ts); scans
 * run off the event loop (`scanAsync`).
 */
export class YaraPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** Matches depend on the content and the rules (its cacheVariant), not on the payload's metadata. */
  static override cacheMetaKeys: readonly string[] = [];

  #workerRules: LiveRules | undefined;
  #dispatchRules: LiveRules | undefined;
  #stringsLimit: number | undefined;
  #xorFirstMatch = true;

  override async setup(): Promise<void> {
    const opts = this.options;
    this.#stringsLimit = opts.strings_limit ?? undefined;
    this.#xorFirstMatch = opts.xor_first_match;
    this.#workerRules = this.#load(opts.worker_rules);
    this.#dispatchRules = this.#load(opts.dispatch_rules);
    if (!opts.watch) return;
    const live = [this.#workerRules, this.#dispatchRules].filter((r) => r !== undefined);
    if (live.length > 0 && isMainThread) {
      // Compiling blocks the thread it runs on (the shipped rules: about 60-130 ms).
      this.log.warn('yara: watching rule files with isolation: none; each reload compiles on the main thread and holds the event loop meanwhile');
    }
    for (const r of live) r.watch(opts.watch_debounce_ms);
  }

  #load(file: string | null | undefined): LiveRules | undefined {
    if (!file) return undefined;
    const ruleSet = compileRuleFile(isAbsolute(file) ? file : join(this.pluginDir, file));
    this.#warn(ruleSet);
    return new LiveRules(ruleSet, (outcome, previous) => this.#reloaded(outcome, previous));
  }

  #warn(ruleSet: RuleSet): void {
    for (const warning of ruleSet.warnings) this.log.debug({ rules: ruleSet.file }, `yara rule warning: ${warning}`);
  }

  #reloaded(outcome: ReloadOutcome, previous: RuleSet): void {
    const fields = { rules: outcome.file, rules_sha256: outcome.sha256, previous_sha256: previous.sha256 };
    if (outcome.ok) {
      const current = [this.#workerRules, this.#dispatchRules].find((r) => r?.current.sha256 === outcome.sha256)?.current;
      if (current) this.#warn(current);
      this.log.info(fields, `yara rules reloaded from ${outcome.file}`);
    } else {
      this.log.error({ ...fields, err: outcome.error }, `yara: keeping the last good rules (sha256 ${outcome.sha256}): ${outcome.error}`);
    }
  }

  /** The worker rules' hash (and whether their file fails to compile), so the result cache never mixes rule sets. */
  override cacheVariant(): string {
    const live = this.#workerRules;
    if (!live) return '';
    return live.staleError === undefined ? live.current.sha256 : `${live.current.sha256}:stale`;
  }

  /** For the metrics (`stoq_plugin_gauge`): whether the worker rules on disk fail to compile, and reload counts. */
  override gauges(): Record<string, number> {
    const live = [this.#workerRules, this.#dispatchRules].filter((r) => r !== undefined);
    return {
      rules_stale: live.some((r) => r.staleError !== undefined) ? 1 : 0,
      rules_reloads: live.reduce((n, r) => n + r.reloads, 0),
      rules_reload_failures: live.reduce((n, r) => n + r.failures, 0),
    };
  }

  /** Recompile both rule files now (what a change on disk triggers); returns each outcome. */
  reloadRules(): ReloadOutcome[] {
    return [this.#workerRules, this.#dispatchRules].filter((r) => r !== undefined).map((r) => r.reload());
  }

  /** Resolves with the outcome of the next reload of the worker rules (`dispatcher`: of the dispatch rules). */
  nextReload(role: 'worker' | 'dispatcher' = 'worker'): Promise<ReloadOutcome> {
    const live = role === 'worker' ? this.#workerRules : this.#dispatchRules;
    if (!live) return Promise.reject(new Error(`yara: no ${role} rules configured`));
    return live.nextReload();
  }

  override async close(): Promise<void> {
    this.#workerRules?.close();
    this.#dispatchRules?.close();
  }

  async scan(payload: Payload, _request: Request, ctx: CallContext): Promise<WorkerResponse> {
    const live = this.#workerRules;
    if (!live) throw new Error('no worker_rules configured: the yara plugin cannot scan as a worker');
    // Taken once: a reload during this scan does not change the rules it reports on.
    const ruleSet = live.current;
    const stale = live.staleError !== undefined;
    const matches = await this.#match(ruleSet, payload.content, ctx.signal);
    const results: Record<string, unknown> = {
      matches: matches.map((m) => toMatchDict(m, payload.content, ruleSet, this.#stringsLimit)),
      rules_sha256: ruleSet.sha256,
    };
    if (stale) results['rules_stale'] = true;
    return new WorkerResponse({ results });
  }

  async getDispatches(payload: Payload, _request: Request, ctx: CallContext): Promise<DispatcherResponse> {
    const response = new DispatcherResponse();
    const ruleSet = this.#dispatchRules?.current;
    if (!ruleSet) return response;
    for (const match of await this.#match(ruleSet, payload.content, ctx.signal)) {
      const dict = toMatchDict(match, payload.content, ruleSet, this.#stringsLimit);
      if (isFalse(dict.meta['save'])) payload.results.payload_meta.should_archive = false;
      const plugins = pluginNames(dict.meta['plugin']);
      if (plugins.includes('xordecode')) this.#addXorKeys(dict, allStrings(match, payload.content), this.#xorFirstMatch);
      for (const name of plugins) {
        if (!response.plugin_names.includes(name)) response.plugin_names.push(name);
        // Several rules naming one plugin: the last one's match is kept, as upstream.
        response.meta[name] = dict;
      }
    }
    return response;
  }

  #addXorKeys(dict: MatchDict, strings: MatchDict['strings'], firstOnly: boolean): void {
    const found = findXorKeys(dict.meta, strings, firstOnly);
    if (found.length === 0) return;
    if (firstOnly) dict.meta['xorkey'] = found[0]!.key;
    else dict.meta['xor_info'] = found.map((f) => [f.offset, f.identifier, f.key]);
  }

  async #match(ruleSet: RuleSet, content: Buffer, signal: AbortSignal): Promise<RuleMatch[]> {
    signal.throwIfAborted();
    return ruleSet.rules.scanAsync(content);
  }
}

function isFalse(value: unknown): boolean {
  return value === false || (typeof value === 'string' && value.trim().toLowerCase() === 'false');
}

/** `meta.plugin`: comma-separated worker names, lower-cased and trimmed. */
function pluginNames(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return [
    ...new Set(
      value
        .toLowerCase()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}
