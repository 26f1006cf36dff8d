/** How one plugin call ended, as the engine saw it. */
export type PluginCallOutcome = 'ok' | 'error' | 'timeout' | 'cancelled';

/**
 * What the engine reports while it works, for a metrics backend (see src/metrics/). Optional on
 * the engine: when it is absent the pipeline does no timing and makes no calls at all.
 */
export interface EngineMetrics {
  /** One plugin method call finished (any role); `seconds` is wall time including waiting on its promise. */
  pluginCall(plugin: string, seconds: number, outcome: PluginCallOutcome): void;
  /** A plugin call kept the event loop busy for `seconds` in one stretch (past the engine's warning threshold). */
  eventLoopHeld?(plugin: string, seconds: number): void;
  /** The result cache answered a lookup (`hit`, `miss`) or dropped an answer to stay under its byte cap (`eviction`). */
  resultCache?(plugin: string, event: 'hit' | 'miss' | 'eviction'): void;
  /** A request entered the pipeline. */
  requestStarted(): void;
  /** A request left it: its payloads (initial and extracted), their bytes, and its errors. */
  requestFinished(summary: { payloads: number; bytes: number; seconds: number; errors: ReadonlyArray<{ plugin_name: string | null; code?: string }> }): void;
}
