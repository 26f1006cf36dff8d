import { existsSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lastValueFrom, Subject, tap, toArray, type Observable } from 'rxjs';
import {
  connect,
  consume,
  createEngine,
  Credits,
  parseRateLimit,
  rateLimit,
  reconstructSubresponses,
  scanRequest,
  type Engine,
  type Failure,
  type ScanRequestOptions,
} from '../operators/index.js';
import type { ConfigFile } from './config/config-schema.js';
import { CONFIG_FILE_NAME, loadConfig } from './config/load-config.js';
import { cleanList, DEFAULTS, pick, resolvePluginDirs } from './config/settings.js';
import { formatError, StoqException } from './exceptions.js';
import { closeLogFile, createLogger, type Logger } from './log/logger.js';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.js';
import type { EngineMetrics } from './metrics/engine-metrics.js';
import { StoqMetrics } from './metrics/stoq-metrics.js';
import { Payload, type Content } from './model/payload.js';
import { PayloadMeta } from './model/payload-meta.js';
import { Request } from './model/request.js';
import { RequestMeta } from './model/request-meta.js';
import type { StoqResponse } from './model/stoq-response.js';
import type { Archiver, BasePlugin, Connector, Decorator, Dispatcher, Provider } from './plugin/base-plugin.js';
import { PluginManager, type PluginListing } from './plugin/plugin-manager.js';
import type { Role } from './plugin/roles.js';
import { configureSharedPool, sharedPoolStats } from './pool/shared-pool.js';
import type { RunOptions, RunSummary, ScanOptions, StoqOptions } from './stoq-options.js';
import { makeResultCache } from './cache/make-result-cache.js';
import type { ResultCache } from './cache/result-cache.js';

export type { RunOptions, RunSummary, ScanOptions, StoqOptions } from './stoq-options.js';

/**
 * The stoQ API over the RxJS pipeline in `operators/`. It resolves configuration, loads the
 * configured plugins and composes the operators; it does not scan anything itself.
 */
export class Stoq {
  readonly baseDir: string;
  readonly configFile: string;
  readonly config: ConfigFile;
  readonly log: Logger;
  readonly manager: PluginManager;
  readonly engine: Engine;
  readonly maxQueue: number;
  readonly providerConsumers: number;
  readonly maxRecursion: number;
  readonly maxRequiredWorkerDepth: number;
  readonly alwaysDispatch: string[];
  /** Failures with no response to live in (connectors, providers, tasks). */
  readonly failures$: Observable<Failure>;

  readonly loadedProviders = new Map<string, Provider>();
  readonly loadedSourceArchivers = new Map<string, Archiver>();
  readonly loadedDestArchivers = new Map<string, Archiver>();
  readonly loadedConnectors: Connector[] = [];
  readonly loadedDispatchers = new Map<string, Dispatcher>();
  readonly loadedDecorators = new Map<string, Decorator>();

  /** Where the engine reports what it does (set when `metricsPort` or `metrics` is given). */
  readonly metrics: EngineMetrics | undefined;
  /** The /metrics endpoint, once ready (when `metricsPort` is set). */
  metricsServer: MetricsServer | undefined;

  /** Upstream's `ratelimit` for `scan` and `run`, when set. */
  readonly ratelimit: string | undefined;
  #ready: Promise<void>;
  readonly #resultCache: ResultCache | undefined;
  /** One queue per `ratelimit` string used by `scan`: the limit holds across concurrent calls. */
  readonly #scanGates = new Map<string, Subject<() => void>>();
  readonly #failures: Subject<Failure>;
  /** The Stoq made its logger (no `logger` option), so close() closes that logger's log file. */
  readonly #ownsLog: boolean;

  constructor(options: StoqOptions = {}) {
    const base = resolve(options.baseDir ?? process.cwd());
    // A base dir that does not exist just means "no config, no local plugins" (a fresh CLI install).
    this.baseDir = existsSync(base) ? realpathSync(base) : base;
    const explicitConfig = options.configFile !== undefined;
    this.configFile = resolve(options.configFile ?? join(this.baseDir, CONFIG_FILE_NAME));
    this.config = loadConfig(this.configFile, { mustExist: explicitConfig });
    const core = this.config.core;

    this.#ownsLog = options.logger === undefined;
    this.log =
      options.logger ??
      createLogger({
        level: pick(options.logLevel, core.log_level, DEFAULTS.logLevel),
        logDir: pick(options.logDir, core.log_dir, null) || null,
        logFile: { maxBytes: core.log_maxbytes, backupCount: core.log_backup_count, syntax: core.log_syntax },
        destination: options.logDestination,
        pretty: options.prettyLogs,
      });
    this.maxQueue = pick(options.maxQueue, core.max_queue, DEFAULTS.maxQueue);
    this.providerConsumers = pick(options.providerConsumers, core.provider_consumers, DEFAULTS.providerConsumers);
    this.maxRecursion = pick(options.maxRecursion, core.max_recursion, DEFAULTS.maxRecursion);
    this.maxRequiredWorkerDepth = pick(options.maxRequiredWorkerDepth, core.max_required_worker_depth, DEFAULTS.maxRequiredWorkerDepth);
    this.alwaysDispatch = cleanList(pick(options.alwaysDispatch, core.always_dispatch, []));
    this.ratelimit = options.ratelimit;
    // A bad limit fails here, with the others, rather than at the first scan.
    if (this.ratelimit !== undefined) parseRateLimit(this.ratelimit);
    if (this.providerConsumers < 1) throw new StoqException(`providerConsumers must be at least 1, got ${this.providerConsumers}`);

    const { core: _core, ...sections } = this.config;
    this.manager = new PluginManager({
      pluginDirList: resolvePluginDirs(options.pluginDirList, core, this.configFile, this.baseDir),
      pluginOpts: options.pluginOpts,
      configSections: sections as Record<string, Record<string, unknown>>,
      log: this.log,
      env: options.env,
      pluginTimeout: pick(options.pluginTimeout, core.plugin_timeout, DEFAULTS.pluginTimeout),
    });

    configureSharedPool({ size: pick(options.poolSize, core.pool_size, undefined) });
    const metricsPort = pick(options.metricsPort, core.metrics_port, null);
    this.metrics = options.metrics ?? (metricsPort !== null ? new StoqMetrics() : undefined);
    if (this.metrics instanceof StoqMetrics) {
      this.metrics.trackPool(sharedPoolStats);
      this.metrics.trackPlugins(() => this.manager.loadedPlugins.values());
    }

    this.#resultCache = makeResultCache(options.resultCache, core, this.log, this.metrics);
    this.engine = createEngine({
      manager: this.manager,
      log: this.log,
      maxRecursion: this.maxRecursion,
      maxRequiredWorkerDepth: this.maxRequiredWorkerDepth,
      alwaysDispatch: this.alwaysDispatch,
      payloadConcurrency: pick(options.payloadConcurrency, core.payload_concurrency, DEFAULTS.payloadConcurrency),
      workerConcurrency: pick(options.workerConcurrency, core.worker_concurrency, DEFAULTS.workerConcurrency),
      pluginTimeout: pick(options.pluginTimeout, core.plugin_timeout, DEFAULTS.pluginTimeout),
      eventLoopWarning: pick(options.eventLoopWarning, core.event_loop_warning, DEFAULTS.eventLoopWarning),
      requestTimeout: pick(options.requestTimeout, core.request_timeout, undefined),
      limits: {
        maxPayloadSize: pick(options.limits?.maxPayloadSize, core.max_payload_size, undefined),
        maxExtractedPerPayload: pick(options.limits?.maxExtractedPerPayload, core.max_extracted_per_payload, undefined),
        maxExtractedPerRequest: pick(options.limits?.maxExtractedPerRequest, core.max_extracted_per_request, undefined),
        maxExtractedBytes: pick(options.limits?.maxExtractedBytes, core.max_extracted_bytes, undefined),
        maxInFlightExtractedBytes: pick(options.limits?.maxInFlightExtractedBytes, core.max_inflight_extracted_bytes, undefined),
        maxCompressionRatio: pick(options.limits?.maxCompressionRatio, core.max_compression_ratio, undefined),
      },
      connectors: this.loadedConnectors,
      metrics: this.metrics,
      resultCache: this.#resultCache,
    });
    this.#failures = this.engine.failures;
    this.failures$ = this.#failures.asObservable();

    const names = (explicit: string[] | undefined, configured: string[] | undefined) => cleanList(pick(explicit, configured, []));
    this.#ready = this.#loadRoles({
      providers: names(options.providers, core.providers),
      sourceArchivers: names(options.sourceArchivers, core.source_archivers),
      destArchivers: names(options.destArchivers, core.dest_archivers),
      connectors: names(options.connectors, core.connectors),
      dispatchers: names(options.dispatchers, core.dispatchers),
      decorators: names(options.decorators, core.decorators),
    });
    if (metricsPort !== null && this.metrics instanceof StoqMetrics) {
      const registry = this.metrics.registry;
      const host = pick(options.metricsHost, core.metrics_host, '127.0.0.1');
      this.#ready = this.#ready.then(async () => {
        try {
          this.metricsServer = await startMetricsServer(registry, metricsPort, host);
        } catch (err) {
          throw new StoqException(`Cannot serve metrics on ${host}:${metricsPort}: ${formatError(err)}`);
        }
      });
    }
    const cache = this.#resultCache;
    if (cache) this.#ready = this.#ready.then(() => cache.connect());
    // Awaited by every method; never left as an unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  /** Construct and wait until every configured plugin is loaded. */
  static async create(options: StoqOptions = {}): Promise<Stoq> {
    const stoq = new Stoq(options);
    await stoq.ready();
    return stoq;
  }

  /** Resolves once the configured plugins are loaded; rejects with the first load error. */
  ready(): Promise<void> {
    return this.#ready;
  }

  async #loadRoles(roles: Record<'providers' | 'sourceArchivers' | 'destArchivers' | 'connectors' | 'dispatchers' | 'decorators', string[]>) {
    const load = async <T extends BasePlugin>(name: string, role: Role) => (await this.manager.loadPlugin(name, role)) as T;
    for (const n of roles.providers) this.loadedProviders.set(n, await load<Provider>(n, 'provider'));
    for (const n of roles.sourceArchivers) {
      const archiver = await load<Archiver>(n, 'archiver');
      this.loadedSourceArchivers.set(n, archiver);
      this.engine.sourceArchivers.set(n, archiver);
    }
    for (const n of roles.destArchivers) this.loadedDestArchivers.set(n, await load<Archiver>(n, 'archiver'));
    for (const n of roles.connectors) this.loadedConnectors.push(await load<Connector>(n, 'connector'));
    for (const n of roles.dispatchers) this.loadedDispatchers.set(n, await load<Dispatcher>(n, 'dispatcher'));
    for (const n of roles.decorators) this.loadedDecorators.set(n, await load<Decorator>(n, 'decorator'));
    for (const n of this.alwaysDispatch) await this.manager.loadPlugin(n, 'worker');
    this.engine.dispatchers.push(...this.loadedDispatchers.values());
    this.engine.destArchivers.push(...this.loadedDestArchivers.values());
    this.engine.decorators.push(...this.loadedDecorators.values());
  }

  /** Load (once) a plugin by name; with `role`, check it can play that role. */
  async loadPlugin(name: string, role?: Role): Promise<BasePlugin> {
    return this.manager.loadPlugin(name, role);
  }

  /** Every plugin in the plugin path, with roles, version and description. */
  listPlugins(): Promise<Record<string, PluginListing>> {
    return this.manager.listPlugins();
  }

  get loadedPlugins(): ReadonlyMap<string, BasePlugin> {
    return this.manager.loadedPlugins;
  }

  /** Scan one piece of content as a new request. */
  async scan(content: Content, options: ScanOptions = {}): Promise<StoqResponse> {
    const limit = options.ratelimit ?? this.ratelimit;
    if (limit !== undefined) await this.#admit(limit);
    const payload = new Payload(content, options.payloadMeta ?? new PayloadMeta());
    const request = new Request({ payloads: [payload], request_meta: options.requestMeta ?? new RequestMeta() });
    return this.scanRequest(request, options.addStartDispatch, {
      signal: options.signal,
      requestTimeout: options.requestTimeout,
      traceCarrier: options.traceCarrier,
    });
  }

  /** Wait for a turn under `limit`: every call with the same limit goes through one `rateLimit` queue. */
  #admit(limit: string): Promise<void> {
    let gate = this.#scanGates.get(limit);
    if (!gate) {
      const turns = new Subject<() => void>();
      turns.pipe(rateLimit(limit)).subscribe((go) => go());
      this.#scanGates.set(limit, (gate = turns));
    }
    const open = gate;
    return new Promise((resolve) => open.next(resolve));
  }

  /** Scan a prepared request (one or more payloads), then hand the response to the connectors. */
  async scanRequest(request: Request, addStartDispatch: string[] = [], options: ScanRequestOptions = {}): Promise<StoqResponse> {
    await this.#ready;
    return lastValueFrom(scanRequest(this.engine, request, addStartDispatch, options).pipe(connect(this.engine)));
  }

  /**
   * Every payload of a response as the root of its own response (its extraction subtree),
   * decorated again; the parent's `scan_id` and `time` are kept.
   */
  async *reconstructAllSubresponses(response: StoqResponse): AsyncGenerator<StoqResponse> {
    await this.#ready;
    yield* await lastValueFrom(reconstructSubresponses(this.engine, response).pipe(toArray()));
  }

  /**
   * Consume every provider until all complete (or `signal` aborts), scanning what they produce
   * with at most `providerConsumers` items in work and `maxQueue` more waiting: the `consume`
   * operator (ingest → scanItems → connect → acknowledge), tallied.
   */
  async run(options: RunOptions = {}): Promise<RunSummary> {
    await this.#ready;
    if (this.loadedProviders.size === 0) throw new StoqException('No activated provider plugins');
    const startDispatch = cleanList(options.addStartDispatch);
    this.log.debug({ request_meta: options.requestMeta ?? null, start_dispatches: startDispatch }, 'Starting provider queue');

    const credits = new Credits(this.maxQueue + this.providerConsumers);
    const summary: RunSummary = { items: 0, responses: 0, failures: [] };
    const watch = this.#failures.subscribe((f) => summary.failures.push(f));
    // Items the providers handed over beyond those the consumers are working on (stoq_provider_backlog).
    const untrack =
      this.metrics instanceof StoqMetrics ? this.metrics.trackBacklog(() => Math.max(0, credits.outstanding - this.providerConsumers)) : undefined;
    try {
      const receipts = consume(this.engine, [...this.loadedProviders.values()], {
        requestMeta: options.requestMeta,
        startDispatch,
        signal: options.signal,
        graceSeconds: options.graceSeconds ?? 30,
        concurrency: this.providerConsumers,
        credits,
        ratelimit: options.ratelimit ?? this.ratelimit,
        log: this.log,
      }).pipe(
        tap((receipt) => {
          summary.items++;
          summary.responses += receipt.responses;
        }),
      );
      await lastValueFrom(receipts, { defaultValue: undefined });
    } finally {
      watch.unsubscribe();
      untrack?.();
    }
    return summary;
  }

  /**
   * Close plugins that hold resources (helper processes, connections, watchers), then flush and
   * close the log file of a logger this Stoq made (a `logger` passed in stays the caller's).
   */
  async close(): Promise<void> {
    await this.#ready.catch(() => undefined);
    await this.manager.closePlugins();
    await this.metricsServer?.close();
    await this.#resultCache?.close();
    for (const gate of this.#scanGates.values()) gate.complete();
    this.#failures.complete();
    if (this.#ownsLog) await closeLogFile(this.log);
  }
}
