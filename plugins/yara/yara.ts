import { isAbsolute, join } from 'node:path';
import type { RuleMatch } from './binding.js';
import { DispatcherResponse, WorkerPlugin, WorkerResponse, type CallContext, type Payload, type Request } from 'rxstoq';
import { z } from 'zod';
import { compileRuleFile, type RuleSet } from './compile.js';
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
});

/**
 * YARA over every payload, on YARA-X: as a worker it reports the matches of `worker_rules`; as a
 * dispatcher it routes payloads to the plugins named in the `plugin` meta of `dispatch_rules`.
 * Rules are compiled once, at load; scans run off the event loop (`scanAsync`).
 */
export class YaraPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  #workerRules: RuleSet | undefined;
  #dispatchRules: RuleSet | undefined;
  #stringsLimit: number | undefined;
  #xorFirstMatch = true;

  override async setup(): Promise<void> {
    const opts = this.options;
    this.#stringsLimit = opts.strings_limit ?? undefined;
    this.#xorFirstMatch = opts.xor_first_match;
    this.#workerRules = this.#load(opts.worker_rules);
    this.#dispatchRules = this.#load(opts.dispatch_rules);
  }

  #load(file: string | null | undefined): RuleSet | undefined {
    if (!file) return undefined;
    const ruleSet = compileRuleFile(isAbsolute(file) ? file : join(this.pluginDir, file));
    for (const warning of ruleSet.warnings) this.log.debug({ rules: ruleSet.file }, `yara rule warning: ${warning}`);
    return ruleSet;
  }

  async scan(payload: Payload, _request: Request, ctx: CallContext): Promise<WorkerResponse> {
    if (!this.#workerRules) throw new Error('no worker_rules configured: the yara plugin cannot scan as a worker');
    const matches = await this.#match(this.#workerRules, payload.content, ctx.signal);
    const ruleSet = this.#workerRules;
    return new WorkerResponse({ results: { matches: matches.map((m) => toMatchDict(m, payload.content, ruleSet, this.#stringsLimit)) } });
  }

  async getDispatches(payload: Payload, _request: Request, ctx: CallContext): Promise<DispatcherResponse> {
    const response = new DispatcherResponse();
    const ruleSet = this.#dispatchRules;
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
