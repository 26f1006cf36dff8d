/**
 * rxstoq — stoQ v3's analysis framework as an RxJS stream pipeline.
 * The package root: data classes, plugin base classes, the `Stoq` facade and helpers.
 * The pipeline stages themselves are exported from `rxstoq/operators`.
 */
export * from './model/index.js';
export * as upstream from './upstream.js';
export { formatError, StoqException, StoqPluginException, StoqPluginNotFound } from './exceptions.js';
export { getMd5, getSha1, getSha256, getSha512, mergeDicts } from './hashing.js';
export { closeLogFile, createLogger, normaliseLevel, type Logger, type LoggerOptions } from './log/logger.js';
export type { LogFileOptions } from './log/log-file.js';
export {
  ArchiverPlugin,
  BasePlugin,
  ConnectorPlugin,
  DecoratorPlugin,
  DispatcherPlugin,
  PLUGIN_BASE,
  ProviderPlugin,
  WorkerPlugin,
  type Archiver,
  type Connector,
  type Decorator,
  type Dispatcher,
  type Provider,
  type Worker,
} from './plugin/base-plugin.js';
// The zod rxstoq validates with: plugins outside this package declare their options schema with
// it (`import { z } from 'rxstoq'`), needing no zod of their own, one that may differ in version.
export { z } from 'zod';
export { ManifestSchema, readManifest, type Manifest } from './plugin/manifest.js';
export type { CallContext, PluginConfig } from './plugin/plugin-config.js';
export { PluginManager, type PluginListing, type PluginManagerOptions } from './plugin/plugin-manager.js';
export {
  onItemDone,
  pullFrom,
  withItemMeta,
  type ArchiverTask,
  type ItemMeta,
  type Demand,
  type IngestContext,
  type ItemOutcome,
  type ProviderItem,
} from './plugin/provider-item.js';
export { rolesOf, type Role } from './plugin/roles.js';
export { BUNDLED_PLUGIN_DIR } from './plugin/bundled.js';
export { envPrefix } from './plugin/options.js';
export { ConfigFileSchema, CoreConfigSchema, type ConfigFile, type CoreConfig } from './config/config-schema.js';
export { loadConfig, CONFIG_FILE_NAME } from './config/load-config.js';
export { DEFAULTS } from './config/settings.js';
export {
  allocShared,
  closeSharedPool,
  configureSharedPool,
  isShared,
  PoolClosedError,
  PoolTaskError,
  PoolTimeoutError,
  disableSharedPool,
  inlineOrPooled,
  poolOffloadOptions,
  type PooledFunction,
  sharedPool,
  sharedPoolEnabled,
  sharedPoolStats,
  toShared,
  TRANSFER,
  WorkerPool,
  type PoolRunOptions,
  type PoolStats,
  type PoolTask,
  type WorkerPoolOptions,
} from './pool/index.js';
export * from './threads/index.js';
export { startMetricsServer, StoqMetrics, type MetricsServer, type StoqMetricsOptions } from './metrics/index.js';
export type { EngineMetrics, PluginCallOutcome } from './metrics/engine-metrics.js';
export { textDecoder, type TextDecoderLike } from './text/text-decoder.js';
export { currentTraceCarrier, traceCarrierOf, withTraceCarrier, type TraceCarrier } from './tracing/trace-carrier.js';
export { ResultCache, type CacheEvent, type ResultCacheOptions } from './cache/result-cache.js';
export { Stoq, type RunOptions, type RunSummary, type ScanOptions, type StoqOptions } from './stoq.js';
export { STOQ_API_VERSION, VERSION } from './version.js';
export { DEFAULT_LIMITS, LIMIT_CODES, type Limits } from './config/limits.js';
