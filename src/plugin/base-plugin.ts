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
import type { CallContext, PluginConfig } from './plugin-config.js';
import type { IngestContext, ProviderItem } from './provider-item.js';

/**
 * Marks the framework's own abstract classes. `Symbol.for` so that two copies of rxstoq in one
 * process (a plugin folder with its own node_modules) still recognise each other's classes.
 */
export const PLUGIN_BASE = Symbol.for('rxstoq.pluginBase');

type Awaitable<T> = T | Promise<T>;
type Maybe<T> = T | null | undefined | void;

/**
 * Common ground of every plugin: its name, manifest, merged options and a logger.
 * A plugin class extends one of the role classes below and may implement the methods of other
 * roles too (a worker that also dispatches, an archiver that is also a connector); one instance
 * serves every role it plays.
 */
export abstract class BasePlugin {
  static readonly [PLUGIN_BASE] = true;
  /** Optional zod schema; merged options are validated against it when the plugin loads. */
  static optionsSchema?: z.ZodType;

  readonly plugin_name: string;
  readonly manifest: Manifest;
  readonly pluginDir: string;
  options: Record<string, unknown>;
  log: Logger;
  /**
   * Workers that must have run on a payload before this plugin runs on it as a worker (from the
   * `required_workers` option or manifest key). A mutable set: plugins and tests may add to it.
   */
  requiredWorkers: Set<string>;

  constructor(config: PluginConfig) {
    this.plugin_name = config.name;
    this.manifest = config.manifest;
    this.pluginDir = config.pluginDir;
    this.options = config.options;
    this.log = config.log;
    const fromOptions = config.options['required_workers'];
    const list = fromOptions === undefined ? config.manifest.required_workers : fromOptions;
    this.requiredWorkers = new Set(
      (Array.isArray(list) ? list.map(String) : String(list ?? '').split(','))
        .map((s) => s.trim())
        .filter(Boolean),
    );
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

  /** An option's value (case-insensitive name), or `fallback` when unset. */
  option<T = unknown>(name: string, fallback?: T): T {
    const v = this.options[name.toLowerCase()];
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
    const s = String(v).trim().toLowerCase();
    if (['1', 'yes', 'true', 'on'].includes(s)) return true;
    if (['0', 'no', 'false', 'off'].includes(s)) return false;
    throw new TypeError(`${this.plugin_name}: option ${name} must be a boolean, got ${JSON.stringify(v)}`);
  }

  /** A list option: arrays as they are, strings split on commas (blank entries dropped). */
  optionList(name: string, fallback: string[] = []): string[] {
    const v = this.option<unknown>(name);
    if (v === undefined) return fallback;
    if (Array.isArray(v)) return v.map(String);
    return String(v)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** A JSON option: objects and arrays as they are, strings parsed (throws SyntaxError when invalid). */
  optionJson<T = unknown>(name: string, fallback: T = {} as T): T {
    const v = this.option<unknown>(name);
    if (v === undefined) return fallback;
    if (typeof v === 'object') return v as T;
    return JSON.parse(String(v)) as T;
  }
}

export abstract class WorkerPlugin extends BasePlugin {
  static override readonly [PLUGIN_BASE] = true;

  abstract scan(payload: Payload, request: Request, context: CallContext): Awaitable<Maybe<WorkerResponse | WorkerResponseInit>>;
}

export abstract class DispatcherPlugin extends BasePlugin {
  static override readonly [PLUGIN_BASE] = true;
  abstract getDispatches(payload: Payload, request: Request, context: CallContext): Awaitable<Maybe<DispatcherResponse | DispatcherResponseInit>>;
}

export abstract class DecoratorPlugin extends BasePlugin {
  static override readonly [PLUGIN_BASE] = true;
  abstract decorate(response: StoqResponse, context: CallContext): Awaitable<Maybe<DecoratorResponse | DecoratorResponseInit>>;
}

export abstract class ConnectorPlugin extends BasePlugin {
  static override readonly [PLUGIN_BASE] = true;
  abstract save(response: StoqResponse, context: CallContext): Awaitable<void>;
}

export abstract class ProviderPlugin extends BasePlugin {
  static override readonly [PLUGIN_BASE] = true;
  /**
   * Payloads, requests or source-archiver tasks (`{archiverName: meta}`), as an Observable that
   * completes when the source is exhausted. Pull-based sources should use `pullFrom(context, ...)`
   * so the engine can slow them down; unsubscribing must stop reading.
   */
  abstract ingest(context: IngestContext): Observable<ProviderItem>;
}

/** Destination archivers implement `archive`, source archivers `get`; many do both. */
export abstract class ArchiverPlugin extends BasePlugin {
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
