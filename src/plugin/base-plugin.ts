import type { Observable } from 'rxjs';
import type { z } from 'zod';
import type { Logger } from '../log/logger.js';
import type { ArchiverResponse } from '../model/archiver-response.js';
import type { DecoratorResponse, DecoratorResponseInit } from '../model/decorator-response.js';
import type { DispatcherResponse, DispatcherResponseInit } from '../model/dispatcher-response.js';
import type { Payload } from '../model/payload.js';
import type { Request } from '../model/request.js';
import type { StoqResponse } from '../model/stoq-response.js';
import type { WorkerResponse, WorkerResponseInit } from '../model/worker-response.js';
import type { ArchiverResponseInit } from '../model/archiver-response.js';
import type { Manifest } from './manifest.js';
import { readBoolean, readList } from './coerce-option.js';
import type { CommonOptions } from './option-schemas.js';
import { DEFAULTS } from '../config/settings.js';
import type { CallContext, PluginConfig } from './plugin-config.js';
import type { IngestContext, ProviderItem } from './provider-item.js';

/**
 * Marks the framework's own abstract classes. `Symbol.for` so that two copies of rxstoq in one
 * process (a plugin folder with its own node_modules) still recognise each other's classes.
 */
export const PLUGIN_BASE = Symbol.for('rxstoq.pluginBase');

type Awaitable<T> = T | Promise<T>;
// biome-ignore lint/suspicious/noConfusingVoidType: `void` lets a plugin method that returns nothing (no return statement) implement these signatures
type Maybe<T> = T | null | undefined | void;

/** A plugin's option schema: a zod object of its options, with their defaults. */
export type OptionsSchema = z.ZodObject;

/**
 * A plugin's options as its code sees them: the schema's output, plus the options the engine
 * reads from every plugin (`timeout`, `concurrency`, `threads`, `required_workers`). Without a
 * schema, whatever was configured, untyped (upstream plugins).
 */
export type PluginOptions<S extends OptionsSchema | undefined> = S extends OptionsSchema
  ? Omit<CommonOptions, keyof z.output<S>> & z.output<S>
  : CommonOptions & Record<string, unknown>;

/**
 * Common ground of every plugin: its name, manifest, merged options and a logger.
 * A plugin class extends one of the role classes below and may implement the methods of other
 * roles too (a worker that also dispatches, an archiver that is also a connector); one instance
 * serves every role it plays.
 *
 * Typed options: declare the schema once and name it twice, as the static the engine validates
 * with and as the type argument that types `this.options`:
 * ```ts
 * const Options = z.object({ max_bytes: z.number().int().positive().default(4096) });
 * export class Shout extends WorkerPlugin<typeof Options> {
 *   static override optionsSchema = Options;
 *   scan(payload: Payload) { return { results: { n: this.options.max_bytes } }; } // a number
 * }
 * ```
 */
export abstract class BasePlugin<S extends OptionsSchema | undefined = undefined> {
  static readonly [PLUGIN_BASE] = true;
  /**
   * The plugin's options with their defaults, as a `z.object`. Merged options are typed by it
   * (strings from the command line and the environment become the declared type) and validated
   * when the plugin loads; options it does not declare are refused unless it is a `z.looseObject`.
   */
  static optionsSchema?: OptionsSchema;

  /**
   * Whether the result cache may reuse this plugin's worker answers for the same content. A
   * plugin whose answers depend on anything besides the payload, its metadata and the plugin's
   * options — the request's metadata, the time, an outside service — sets
   * `static override cacheable = false`. Operators can also turn it off with the `cache: false` option.
   */
  static cacheable = true;

  /**
   * The `extra_data` keys of a payload's metadata this plugin's answers depend on, for the result
   * cache's key (decompress: its file name and passwords). Unset: all of the metadata, the safe
   * choice for a plugin that does not say — but then the same content under another file name is
   * a miss. `[]`: the plugin reads none.
   */
  static cacheMetaKeys?: readonly string[];

  /** What else this plugin's answers depend on, for the result cache's key (the yara plugin: its rule set's hash). */
  cacheVariant?(): string;

  /**
   * Numbers about the plugin's own state, exported with the engine's metrics as
   * `stoq_plugin_gauge{plugin, name}` when they are scraped (yara: `rules_stale`,
   * `rules_reload_failures`). An isolated plugin's come from the thread that answered last.
   */
  gauges?(): Record<string, number>;

  readonly plugin_name: string;
  readonly manifest: Manifest;
  readonly pluginDir: string;
  /** Validated against `optionsSchema` (defaults filled in) before the plugin was constructed. */
  readonly options: PluginOptions<S>;
  log: Logger;
  /**
   * Seconds the engine allows one call of this plugin: its `timeout` option, else the engine's
   * `plugin_timeout`. For plugins with a timeout of their own (a helper process, a socket) to match.
   */
  readonly timeoutSeconds: number;
  /**
   * Workers that must have run on a payload before this plugin runs on it as a worker (from the
   * `required_workers` option or manifest key). A mutable set: plugins and tests may add to it.
   */
  requiredWorkers: Set<string>;

  constructor(config: PluginConfig) {
    this.plugin_name = config.name;
    this.manifest = config.manifest;
    this.pluginDir = config.pluginDir;
    this.options = config.options as PluginOptions<S>;
    this.log = config.log;
    const own = Number((config.options as CommonOptions).timeout);
    this.timeoutSeconds = own > 0 && Number.isFinite(own) ? own : (config.pluginTimeout ?? DEFAULTS.pluginTimeout);
    const list = (config.options as CommonOptions).required_workers ?? config.manifest.required_workers;
    this.requiredWorkers = new Set(list.map((s) => s.trim()).filter(Boolean));
  }

  get author(): string {
    return this.manifest.author;
  }
  get version(): string {
    return this.manifest.version;
  }
  get website(): string {
    return this.manifest.website;
  }
  get description(): string {
    return this.manifest.description;
  }

  /** Async set-up run once after construction (compile rules, start a helper process...). */
  setup?(): Promise<void>;
  /** Release resources; called by `Stoq.close()`. */
  close?(): Promise<void>;

  // Accessors for plugins without an options schema (upstream's get/getint/getboolean/getlist):
  // their options arrive as configured, strings from the command line and the environment.

  /** An option's value (case-insensitive name), or `fallback` when unset. */
  option<T = unknown>(name: string, fallback?: T): T {
    const v = (this.options as Record<string, unknown>)[name.toLowerCase()];
    return (v === undefined || v === null ? fallback : v) as T;
  }

  optionString(name: string, fallback = ''): string {
    const v = this.option<unknown>(name);
    return v === undefined ? fallback : String(v);
  }

  optionInt(name: string, fallback?: number): number | undefined {
    const v = this.option<unknown>(name);
    if (v === undefined) return fallback;
    const n = typeof v === 'number' ? v : Number.parseInt(String(v), 10);
    if (!Number.isFinite(n)) throw new TypeError(`${this.plugin_name}: option ${name} must be an integer, got ${JSON.stringify(v)}`);
    return n;
  }

  optionBool(name: string, fallback = false): boolean {
    const v = this.option<unknown>(name);
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    try {
      return readBoolean(String(v));
    } catch {
      throw new TypeError(`${this.plugin_name}: option ${name} must be a boolean, got ${JSON.stringify(v)}`);
    }
  }

  /** A list option: arrays as they are; strings are a JSON array or comma-separated (blanks dropped). */
  optionList(name: string, fallback: string[] = []): string[] {
    const v = this.option<unknown>(name);
    if (v === undefined) return fallback;
    if (Array.isArray(v)) return v.map(String);
    try {
      return readList(String(v)).map(String);
    } catch (err) {
      throw new TypeError(`${this.plugin_name}: option ${name}: ${(err as Error).message}, got ${JSON.stringify(v)}`);
    }
  }

  /** A JSON option: objects and arrays as they are, strings parsed (throws SyntaxError when invalid). */
  optionJson<T = unknown>(name: string, fallback: T = {} as T): T {
    const v = this.option<unknown>(name);
    if (v === undefined) return fallback;
    if (typeof v === 'object') return v as T;
    return JSON.parse(String(v)) as T;
  }
}

export abstract class WorkerPlugin<S extends OptionsSchema | undefined = undefined> extends BasePlugin<S> {
  static override readonly [PLUGIN_BASE] = true;

  abstract scan(payload: Payload, request: Request, context: CallContext): Awaitable<Maybe<WorkerResponse | WorkerResponseInit>>;
}

export abstract class DispatcherPlugin<S extends OptionsSchema | undefined = undefined> extends BasePlugin<S> {
  static override readonly [PLUGIN_BASE] = true;
  abstract getDispatches(payload: Payload, request: Request, context: CallContext): Awaitable<Maybe<DispatcherResponse | DispatcherResponseInit>>;
}

export abstract class DecoratorPlugin<S extends OptionsSchema | undefined = undefined> extends BasePlugin<S> {
  static override readonly [PLUGIN_BASE] = true;
  abstract decorate(response: StoqResponse, context: CallContext): Awaitable<Maybe<DecoratorResponse | DecoratorResponseInit>>;
}

export abstract class ConnectorPlugin<S extends OptionsSchema | undefined = undefined> extends BasePlugin<S> {
  static override readonly [PLUGIN_BASE] = true;
  /**
   * `context` is optional so that a response can be saved by hand (`connector.save(response)`);
   * without one there is no cancellation and the plugin logs through `this.log`.
   */
  abstract save(response: StoqResponse, context?: CallContext): Awaitable<void>;
}

export abstract class ProviderPlugin<S extends OptionsSchema | undefined = undefined> extends BasePlugin<S> {
  static override readonly [PLUGIN_BASE] = true;
  /**
   * Payloads, requests or source-archiver tasks (`{archiverName: meta}`), as an Observable that
   * completes when the source is exhausted. Pull-based sources should use `pullFrom(context, ...)`
   * so the engine can slow them down; unsubscribing must stop reading.
   */
  abstract ingest(context: IngestContext): Observable<ProviderItem>;
}

/** Destination archivers implement `archive`, source archivers `get`; many do both. */
export abstract class ArchiverPlugin<S extends OptionsSchema | undefined = undefined> extends BasePlugin<S> {
  static override readonly [PLUGIN_BASE] = true;
  archive?(payload: Payload, request: Request, context: CallContext): Awaitable<Maybe<ArchiverResponse | ArchiverResponseInit>>;
  get?(task: ArchiverResponse, context: CallContext): Awaitable<Maybe<Payload>>;
}

/** Role-specific views used by the engine (a plugin may satisfy several). */
export type Worker = BasePlugin & Pick<WorkerPlugin, 'scan'>;
export type Dispatcher = BasePlugin & Pick<DispatcherPlugin, 'getDispatches'>;
export type Decorator = BasePlugin & Pick<DecoratorPlugin, 'decorate'>;
export type Connector = BasePlugin & Pick<ConnectorPlugin, 'save'>;
export type Provider = BasePlugin & Pick<ProviderPlugin, 'ingest'>;
export type Archiver = BasePlugin & Pick<ArchiverPlugin, 'archive' | 'get'>;
