import type { BasePlugin } from '../../src/plugin/base-plugin.js';
import type { CallContext } from '../../src/plugin/plugin-config.js';
import type { Logger } from '../../src/log/logger.js';
import type { Engine } from './engine.js';

/** A plugin call ran past its budget; carries a stable code for the response's error. */
export class PluginTimeoutError extends Error {
  readonly code = 'PLUGIN_TIMEOUT';
  constructor(pluginName: string, seconds: number) {
    super(`Plugin ${pluginName} timed out after ${seconds}s`);
    this.name = 'PluginTimeoutError';
  }
}

/** The request's deadline passed or the run is stopping. */
export class ScanCancelledError extends Error {
  /** The cause's code (REQUEST_DEADLINE, ...) when it has one. */
  readonly code: string;
  constructor(reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason ?? 'cancelled'));
    this.name = 'ScanCancelledError';
    const code = (reason as { code?: unknown } | null)?.code;
    this.code = typeof code === 'string' ? code : 'SCAN_CANCELLED';
  }
}

/**
 * Call one plugin method under the engine's limits: global and per-plugin concurrency, the
 * plugin's timeout, and the caller's cancellation. The plugin gets an AbortSignal that fires on
 * any of those; a plugin that ignores it is abandoned (its permit is released) so it can never
 * hold up other payloads.
 */
export async function invokePlugin<T>(
  engine: Engine,
  plugin: BasePlugin,
  call: (context: CallContext) => T | Promise<T>,
  options: { signal?: AbortSignal; log: Logger },
): Promise<Awaited<T>> {
  const outer = options.signal;
  if (outer?.aborted) throw new ScanCancelledError(outer.reason);
  const limits = [engine.limiter, engine.pluginLimiter(plugin.plugin_name)].filter((s) => s !== undefined);
  const held: typeof limits = [];
  try {
    for (const limit of limits) {
      await limit.acquire(outer);
      held.push(limit);
    }
  } catch (err) {
    for (const l of held) l.release();
    throw outer?.aborted ? new ScanCancelledError(outer.reason) : err;
  }

  const controller = new AbortController();
  const seconds = engine.timeoutSeconds(plugin);
  let timer: NodeJS.Timeout | undefined;
  let onOuterAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    if (seconds !== undefined && Number.isFinite(seconds)) {
      timer = setTimeout(() => {
        const err = new PluginTimeoutError(plugin.plugin_name, seconds);
        controller.abort(err);
        reject(err);
      }, seconds * 1000);
      timer.unref?.();
    }
    if (outer) {
      onOuterAbort = () => {
        const err = new ScanCancelledError(outer.reason);
        controller.abort(err);
        reject(err);
      };
      outer.addEventListener('abort', onOuterAbort, { once: true });
    }
  });
  try {
    return await Promise.race([Promise.resolve().then(() => call({ signal: controller.signal, log: options.log })), stopped]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onOuterAbort) outer?.removeEventListener('abort', onOuterAbort);
    if (!controller.signal.aborted) controller.abort(new Error('plugin call finished'));
    for (const l of held) l.release();
  }
}
