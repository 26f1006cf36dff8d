import { createRequire } from 'node:module';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineMetrics, PluginCallOutcome } from './engine-metrics.js';
import type { PoolStats } from '../pool/worker-pool.js';
import { STOQ_API_VERSION, VERSION } from '../version.js';

type PromClient = typeof import('prom-client');
let promClient: PromClient | undefined;
/**
 * prom-client, required on first use: `import 'rxstoq'` and scans without metrics never load it
 * (test/package/heavy-modules.test.ts). A synchronous require keeps `new StoqMetrics()` synchronous.
 */
function loadPromClient(): PromClient {
  promClient ??= createRequire(import.meta.url)('prom-client') as PromClient;
  return promClient;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface StoqMetricsOptions {
  /** Registry to add the metrics to; default a new one (so several instances never clash). */
  registry?: Registry;
  /** Also export the process metrics (CPU, memory, event-loop lag). Default true. */
  processMetrics?: boolean;
}

/**
 * The engine's metrics in Prometheus form: payloads and bytes scanned, requests in flight,
 * per-plugin call latency, errors and timeouts, provider backlog and worker-pool load.
 * Attach it as `engine.metrics` (Stoq does so when `metricsPort` is set).
 */
export class StoqMetrics implements EngineMetrics {
  readonly registry: Registry;
  readonly #requests: Counter<never>;
  readonly #payloads: Counter<never>;
  readonly #bytes: Counter<never>;
  readonly #inFlight: Gauge<never>;
  readonly #requestSeconds: Histogram<never>;
  readonly #pluginSeconds: Histogram<'plugin' | 'outcome'>;
  readonly #pluginErrors: Counter<'plugin' | 'code'>;
  readonly #pluginTimeouts: Counter<'plugin'>;
  readonly #loopHeldSeconds: Counter<'plugin'>;
  readonly #loopStalls: Counter<'plugin'>;
  readonly #cacheEvents: Counter<'plugin' | 'event'>;
  readonly #pluginChildren = new Map<string, { observe(v: number): void }>();
  readonly #backlogSources = new Set<() => number>();
  readonly #poolSources = new Set<() => PoolStats | undefined>();
  readonly #pluginSources = new Set<() => Iterable<{ plugin_name: string; gauges?(): Record<string, number> }>>();

  constructor(options: StoqMetricsOptions = {}) {
    const { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } = loadPromClient();
    const registers = [(this.registry = options.registry ?? new Registry())];
    new Gauge({
      name: 'stoq_build_info',
      help: 'Always 1; the labels say which rxstoq, stoQ API level and Node.js are running',
      labelNames: ['version', 'api_version', 'node_version'],
      registers,
    }).set({ version: VERSION, api_version: STOQ_API_VERSION, node_version: process.version }, 1);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.#requests = new Counter({ name: 'stoq_requests_total', help: 'Scan requests completed', registers });
    this.#payloads = new Counter({ name: 'stoq_payloads_scanned_total', help: 'Payloads scanned, initial and extracted', registers });
    this.#bytes = new Counter({ name: 'stoq_bytes_scanned_total', help: 'Bytes of the payloads scanned', registers });
    this.#inFlight = new Gauge({ name: 'stoq_scans_in_flight', help: 'Scan requests in the pipeline now', registers });
    this.#requestSeconds = new Histogram({
      name: 'stoq_request_duration_seconds',
      help: 'Time from a request entering the pipeline to its response',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#pluginSeconds = new Histogram({
      name: 'stoq_plugin_call_duration_seconds',
      help: 'Plugin method calls (any role), by plugin and outcome (ok, error, timeout, cancelled)',
      labelNames: ['plugin', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#pluginErrors = new Counter({
      name: 'stoq_plugin_errors_total',
      help: 'Errors recorded in responses, by plugin (none for core errors) and error code',
      labelNames: ['plugin', 'code'],
      registers,
    });
    this.#pluginTimeouts = new Counter({
      name: 'stoq_plugin_timeouts_total',
      help: 'Plugin calls abandoned at their timeout',
      labelNames: ['plugin'],
      registers,
    });
    const backlogSources = this.#backlogSources;
    this.#loopHeldSeconds = new Counter({
      name: 'stoq_plugin_event_loop_held_seconds_total',
      help: 'Seconds plugin calls kept the event loop busy in stretches past the warning threshold (every other scan waited)',
      labelNames: ['plugin'],
      registers,
    });
    this.#loopStalls = new Counter({
      name: 'stoq_plugin_event_loop_stalls_total',
      help: 'Plugin calls that kept the event loop busy past the warning threshold',
      labelNames: ['plugin'],
      registers,
    });
    this.#cacheEvents = new Counter({
      name: 'stoq_result_cache_events_total',
      help: 'Result cache lookups that hit or missed, and answers evicted to stay under its byte cap',
      labelNames: ['plugin', 'event'],
      registers,
    });
    new Gauge({
      name: 'stoq_provider_backlog',
      help: 'Provider items received and waiting for a consumer',
      registers,
      collect() {
        let n = 0;
        for (const source of backlogSources) n += source();
        this.set(n);
      },
    });
    const pools = this.#poolSources;
    const poolGauge = (name: string, help: string, pick: (s: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          let n = 0;
          for (const source of pools) {
            const stats = source();
            if (stats) n += pick(stats);
          }
          this.set(n);
        },
      });
    const pluginSources = this.#pluginSources;
    new Gauge({
      name: 'stoq_plugin_gauge',
      help: "Numbers plugins report about their own state (their gauges(): yara's rules_stale, rules_reload_failures)",
      labelNames: ['plugin', 'name'],
      registers,
      collect() {
        this.reset();
        for (const source of pluginSources) {
          for (const plugin of source()) {
            for (const [name, value] of Object.entries(plugin.gauges?.() ?? {})) this.set({ plugin: plugin.plugin_name, name }, value);
          }
        }
      },
    });
    poolGauge('stoq_pool_threads', 'Worker-pool threads started', (s) => s.threads);
    poolGauge('stoq_pool_tasks_running', 'Worker-pool tasks handed to threads', (s) => s.running);
    poolGauge('stoq_pool_tasks_queued', 'Worker-pool tasks waiting for a thread', (s) => s.queued);
  }

  pluginCall(plugin: string, seconds: number, outcome: PluginCallOutcome): void {
    // Labelled children are cached: resolving labels on every call cost more than the call itself.
    const key = `${plugin}\0${outcome}`;
    let child = this.#pluginChildren.get(key);
    if (!child) this.#pluginChildren.set(key, (child = this.#pluginSeconds.labels({ plugin, outcome })));
    child.observe(seconds);
    if (outcome === 'timeout') this.#pluginTimeouts.inc({ plugin });
  }

  eventLoopHeld(plugin: string, seconds: number): void {
    this.#loopHeldSeconds.inc({ plugin }, seconds);
    this.#loopStalls.inc({ plugin });
  }

  resultCache(plugin: string, event: 'hit' | 'miss' | 'eviction'): void {
    this.#cacheEvents.inc({ plugin, event });
  }

  requestStarted(): void {
    this.#inFlight.inc();
  }

  requestFinished(summary: Parameters<EngineMetrics['requestFinished']>[0]): void {
    this.#inFlight.dec();
    this.#requests.inc();
    this.#payloads.inc(summary.payloads);
    this.#bytes.inc(summary.bytes);
    this.#requestSeconds.observe(summary.seconds);
    for (const e of summary.errors) this.#pluginErrors.inc({ plugin: e.plugin_name ?? '', code: e.code ?? '' });
  }

  /** Count a provider queue in `stoq_provider_backlog` until the returned function is called. */
  trackBacklog(source: () => number): () => void {
    this.#backlogSources.add(source);
    return () => this.#backlogSources.delete(source);
  }

  /** Export the `gauges()` of these plugins (`stoq_plugin_gauge`) until the returned function is called. */
  trackPlugins(source: () => Iterable<{ plugin_name: string; gauges?(): Record<string, number> }>): () => void {
    this.#pluginSources.add(source);
    return () => this.#pluginSources.delete(source);
  }

  /** Report a worker pool's load (the `stoq_pool_*` gauges). */
  trackPool(source: () => PoolStats | undefined): () => void {
    this.#poolSources.add(source);
    return () => this.#poolSources.delete(source);
  }

  /** The exposition text, as served on /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
