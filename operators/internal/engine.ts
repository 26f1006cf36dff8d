import type { Subject } from 'rxjs';
import type { Logger } from '../../src/log/logger.js';
import type { Archiver, BasePlugin, Connector, Decorator, Dispatcher, Worker } from '../../src/plugin/base-plugin.js';
import type { Limits } from '../../src/config/limits.js';
import type { EngineMetrics } from '../../src/metrics/engine-metrics.js';
import type { Semaphore } from '../../src/concurrency/semaphore.js';
import type { ResultCache } from '../../src/cache/result-cache.js';

/** A failure that has no response to live in (connector, provider, task), for callers to observe. */
export interface Failure {
  stage: 'connector' | 'provider' | 'task' | 'request';
  plugin_name: string | null;
  error: string;
  scan_id?: string;
}

/**
 * Everything the pipeline stages need from a configured instance: settings, loaded plugins and
 * shared limits. `Stoq` builds one; custom pipelines can build their own with `createEngine`.
 */
export interface Engine {
  log: Logger;
  /** Extraction depth: payloads deeper than this are recorded, not scanned. */
  maxRecursion: number;
  maxRequiredWorkerDepth: number;
  /** Workers for every payload. Fixed once the engine is made: it is cleaned once, not per payload. */
  readonly alwaysDispatch: readonly string[];
  /** Payloads of one request scanned at once (the `expand` concurrency). */
  payloadConcurrency: number;
  dispatchers: Dispatcher[];
  destArchivers: Archiver[];
  sourceArchivers: Map<string, Archiver>;
  decorators: Decorator[];
  connectors: Connector[];
  /** Load a worker by name (cached); rejects with a message naming the plugin. */
  loadWorker(name: string): Promise<Worker>;
  /** The worker if `loadWorker` already loaded it: lets scheduling stay synchronous. */
  loadedWorker(name: string): Worker | undefined;
  /** Global limit on plugin calls in flight. */
  limiter: Semaphore;
  /** The plugin's own concurrency limit (its `concurrency` option), if any. */
  pluginLimiter(name: string): Semaphore | undefined;
  /** The plugin's timeout in seconds (its `timeout` option, else the engine default). */
  timeoutSeconds(plugin: BasePlugin): number | undefined;
  /** A plugin call that keeps the event loop busy this long (synchronously) is logged and counted. */
  eventLoopWarningMs: number;
  /** Size and count budgets (see limits.ts). */
  limits: Limits;
  /** Bytes of extracted payloads accepted by requests still in flight (for `limits.maxInFlightExtractedBytes`). */
  extractedInFlight: { bytes: number };
  /** Whole-request deadline in seconds, if any. */
  requestTimeoutSeconds?: number;
  /** Failures with no response to record them in. */
  failures: Subject<Failure>;
  /** Worker answers reused by content (off unless configured). */
  resultCache?: ResultCache;
  /** Where the pipeline reports calls and requests; absent (the default) means no metrics work at all. */
  metrics?: EngineMetrics;
}
