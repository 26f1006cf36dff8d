import type { DestinationStream } from 'pino';
import type { Failure } from '../operators/index.js';
import type { Limits } from './config/limits.js';
import type { ResultCacheOptions } from './cache/result-cache.js';
import type { TraceCarrier } from './tracing/trace-carrier.js';
import type { Logger } from './log/logger.js';
import type { EngineMetrics } from './metrics/engine-metrics.js';
import type { PayloadMeta } from './model/payload-meta.js';
import type { RequestMeta } from './model/request-meta.js';

export interface StoqOptions {
  /** Folder holding `stoq.yaml` and, by default, `plugins/`. Default: the working directory. */
  baseDir?: string;
  /** Config file; default `<baseDir>/stoq.yaml`. Optional unless named explicitly. */
  configFile?: string;
  /** Also write JSON logs to `<logDir>/stoq.log`. Default: none (upstream wrote ./logs, UD-19). */
  logDir?: string | null;
  logLevel?: string;
  /** A pino logger to use instead of creating one. */
  logger?: Logger;
  /** Where the created logger writes (default stderr). */
  logDestination?: DestinationStream;
  /** Pretty log lines (the CLI sets this when stderr is a terminal). */
  prettyLogs?: boolean;
  pluginDirList?: string[];
  pluginOpts?: Record<string, Record<string, unknown>>;
  providers?: string[];
  providerConsumers?: number;
  sourceArchivers?: string[];
  destArchivers?: string[];
  connectors?: string[];
  dispatchers?: string[];
  decorators?: string[];
  alwaysDispatch?: string[];
  maxQueue?: number;
  maxRecursion?: number;
  maxRequiredWorkerDepth?: number;
  /** Payloads of one request scanned at once. */
  payloadConcurrency?: number;
  /** Plugin calls in flight at once across this instance. */
  workerConcurrency?: number;
  /** Default plugin-call timeout in seconds (a plugin's `timeout` option overrides it). */
  pluginTimeout?: number;
  /** Seconds one plugin call may keep the event loop busy before it is logged and counted (default 0.5). */
  eventLoopWarning?: number;
  /** Whole-request deadline in seconds (default: none). */
  requestTimeout?: number;
  /** Size and count budgets; see `DEFAULT_LIMITS`. */
  limits?: Partial<Limits>;
  /** Serve Prometheus metrics at http://<metricsHost>:<port>/metrics (0: any free port). Default: off. */
  metricsPort?: number | null;
  /** Default 127.0.0.1. */
  metricsHost?: string;
  /** Your own metrics sink for the engine (then no server is started unless `metricsPort` is set too). */
  metrics?: EngineMetrics;
  /** Threads in the process-wide worker pool (CPU-bound plugin work). Default: the number of cores. */
  poolSize?: number;
  /** Environment for `STOQ_<PLUGIN>__<OPTION>` overrides; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Reuse worker answers for content already scanned (by sha256, plugin, version, options and
   * payload metadata): `{ maxBytes, redisUrl, ttlSeconds }`, or `false`. Default: off, unless
   * `result_cache_bytes` / `result_cache_redis` are set in the config file.
   */
  resultCache?: ResultCacheOptions | false;
  /** Upstream's ratelimit='N/S': at most N scans (`scan` calls, or provider items in `run`) per S seconds. */
  ratelimit?: string;
}

export interface ScanOptions {
  payloadMeta?: PayloadMeta;
  requestMeta?: RequestMeta;
  addStartDispatch?: string[];
  signal?: AbortSignal;
  /** Deadline for this request in seconds (overrides `requestTimeout`). */
  requestTimeout?: number;
  /** W3C trace context (`{ traceparent }`) of the caller: the scan is traced as its child (OpenTelemetry). */
  traceCarrier?: TraceCarrier;
  /**
   * Upstream's `ratelimit='N/S'`: this call waits (without blocking the event loop) until fewer than
   * N scans with the same limit started in the last S seconds. Overrides the instance's `ratelimit`.
   */
  ratelimit?: string;
}

export interface RunOptions {
  requestMeta?: RequestMeta;
  addStartDispatch?: string[];
  /** Abort to stop: providers stop reading, in-flight scans finish within `graceSeconds`. */
  signal?: AbortSignal;
  /** How long in-flight scans may go on after `signal` aborts before they are cancelled. Default 30. */
  graceSeconds?: number;
  /** At most N provider items per S seconds ('N/S'); overrides the instance's `ratelimit`. */
  ratelimit?: string;
}

export interface RunSummary {
  /** Provider items received. */
  items: number;
  /** Responses produced and handed to connectors. */
  responses: number;
  /** Items, tasks, providers and connectors that failed. */
  failures: Failure[];
}
