import type { CoreConfig } from '../config/config-schema.js';
import type { Logger } from '../log/logger.js';
import type { EngineMetrics } from '../metrics/engine-metrics.js';
import { ResultCache, type ResultCacheOptions } from './result-cache.js';

/**
 * The result cache a Stoq asked for: its `resultCache` option wins (`false`: none), else the
 * config file's `result_cache_bytes` / `result_cache_redis` / `result_cache_ttl`; no setting, no cache.
 */
export function makeResultCache(
  option: ResultCacheOptions | false | undefined,
  core: CoreConfig,
  log: Logger,
  metrics: EngineMetrics | undefined,
): ResultCache | undefined {
  if (option === false) return undefined;
  const fromConfig: ResultCacheOptions | undefined =
    (core.result_cache_bytes ?? 0) > 0 || core.result_cache_redis
      ? { maxBytes: core.result_cache_bytes || undefined, redisUrl: core.result_cache_redis, ttlSeconds: core.result_cache_ttl }
      : undefined;
  const options = option ?? fromConfig;
  if (!options) return undefined;
  const cache = new ResultCache(options, log.child({ component: 'result-cache' }));
  const report = metrics?.resultCache;
  if (report) cache.observe((plugin, event) => report.call(metrics, plugin, event));
  return cache;
}
