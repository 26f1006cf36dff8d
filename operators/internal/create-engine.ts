import { Subject } from 'rxjs';
import { createLogger, type Logger } from '../../src/log/logger.js';
import type { Archiver, Connector, Decorator, Dispatcher, Worker } from '../../src/plugin/base-plugin.js';
import { DEFAULTS } from '../../src/config/settings.js';
import type { PluginManager } from '../../src/plugin/plugin-manager.js';
import type { Engine, Failure } from './engine.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/config/limits.js';
import type { EngineMetrics } from '../../src/metrics/engine-metrics.js';
import { Semaphore } from '../../src/concurrency/semaphore.js';
import type { ResultCache } from '../../src/cache/result-cache.js';

export interface EngineOptions {
  manager: PluginManager;
  log?: Logger;
  maxRecursion?: number;
  maxRequiredWorkerDepth?: number;
  alwaysDispatch?: string[];
  payloadConcurrency?: number;
  workerConcurrency?: number;
  pluginTimeout?: number;
  /** Seconds a plugin call may hold the event loop before it is logged and counted; default 0.5. */
  eventLoopWarning?: number;
  requestTimeout?: number;
  limits?: Partial<Limits>;
  dispatchers?: Dispatcher[];
  destArchivers?: Archiver[];
  sourceArchivers?: Archiver[];
  decorators?: Decorator[];
  connectors?: Connector[];
  metrics?: EngineMetrics;
  /** Reuse worker answers for content seen before (see `ResultCache`). */
  resultCache?: ResultCache;
}

/**
 * An engine for a hand-built pipeline, without the `Stoq` facade: plugins are already loaded
 * (e.g. with `PluginManager.loadPlugin`), workers are loaded on demand from `manager`.
 *
 * @example
 * const manager = new PluginManager({ log: createLogger({ level: 'warn' }) });
 * const engine = createEngine({ manager, alwaysDispatch: ['hash'] });
 * const response = await lastValueFrom(scanRequest(engine, new Request({ payloads: [new Payload('hello')] })));
 * console.log(response.results[0].workers['hash']);
 */
export function createEngine(options: EngineOptions): Engine {
  const pluginTimeout = options.pluginTimeout ?? DEFAULTS.pluginTimeout;
  const limiters = new Map<string, Semaphore | undefined>();
  const workers = new Map<string, Worker>();
  return {
    log: options.log ?? options.manager.log ?? createLogger(),
    maxRecursion: options.maxRecursion ?? DEFAULTS.maxRecursion,
    maxRequiredWorkerDepth: options.maxRequiredWorkerDepth ?? DEFAULTS.maxRequiredWorkerDepth,
    alwaysDispatch: options.alwaysDispatch ?? [],
    payloadConcurrency: options.payloadConcurrency ?? DEFAULTS.payloadConcurrency,
    dispatchers: options.dispatchers ?? [],
    destArchivers: options.destArchivers ?? [],
    sourceArchivers: new Map((options.sourceArchivers ?? []).map((a) => [a.plugin_name, a])),
    decorators: options.decorators ?? [],
    connectors: options.connectors ?? [],
    loadWorker: async (name) => {
      const worker = (await options.manager.loadPlugin(name, 'worker')) as Worker;
      workers.set(name, worker);
      return worker;
    },
    loadedWorker: (name) => workers.get(name),
    limiter: new Semaphore(options.workerConcurrency ?? DEFAULTS.workerConcurrency),
    pluginLimiter: (name) => {
      if (!limiters.has(name)) {
        const n = Number(options.manager.loadedPlugins.get(name)?.options['concurrency']);
        limiters.set(name, Number.isInteger(n) && n > 0 ? new Semaphore(n) : undefined);
      }
      return limiters.get(name);
    },
    timeoutSeconds: (plugin) => {
      const t = Number(plugin.options['timeout']);
      return Number.isFinite(t) && t > 0 ? t : pluginTimeout;
    },
    eventLoopWarningMs: (options.eventLoopWarning ?? DEFAULTS.eventLoopWarning) * 1000,
    requestTimeoutSeconds: options.requestTimeout,
    limits: { ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(options.limits ?? {}).filter(([, v]) => v !== undefined)) },
    extractedInFlight: { bytes: 0 },
    failures: new Subject<Failure>(),
    metrics: options.metrics,
    resultCache: options.resultCache,
  };
}
