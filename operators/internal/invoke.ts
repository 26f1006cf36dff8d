import type { BasePlugin } from '../../src/plugin/base-plugin.js';
import type { CallContext } from '../../src/plugin/plugin-config.js';
import type { Logger } from '../../src/log/logger.js';
import type { Engine } from './engine.js';
import type { PluginCallOutcome } from '../../src/metrics/engine-metrics.js';
import { isThenable, type MaybePromise } from './maybe-async.js';
import { NEVER_ABORTED } from './never-aborted.js';
import type { Semaphore } from '../../src/concurrency/semaphore.js';
import { endSpan, startPluginSpan } from '../../src/tracing/spans.js';
import { errorCode } from './normalise.js';
import type { Context } from '@opentelemetry/api';

/** Where a plugin call sits in a trace: its parent (payload or request span), its role, what it was about. */
export interface CallTrace {
  parent: Context;
  role: string;
  attributes: Record<string, string>;
}

/** A plugin call ran past its budget; carries a stable code for the response's error. */
export class PluginTimeoutError extends Error {
  readonly code = 'PLUGIN_TIMEOUT';
  /** `heldMs`: the call overran while it held the event loop (no timer can fire then), measured when it returned. */
  constructor(pluginName: string, seconds: number, heldMs?: number) {
    super(
      `Plugin ${pluginName} timed out after ${seconds}s` +
        (heldMs === undefined ? '' : ` (it held the event loop for ${Math.round(heldMs)} ms; its late result was dropped)`),
    );
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

/** A logger, or a way to make one only if the plugin (or an error path) actually logs. */
type LogSource = Logger | (() => Logger);

/**
 * The CallContext handed to a plugin. Its AbortController and logger are made only when the plugin
 * reads them: most calls (hashing, a quick dispatcher) never do, and making them per call was a
 * measurable share of small-payload scan time. Its fields are getters: read them, don't spread it.
 */
class CallScope implements CallContext {
  #controller: AbortController | undefined;
  #abortedWith: unknown;
  #aborted = false;
  #log: Logger | LogSource;

  constructor(log: LogSource) {
    this.#log = log;
  }

  get log(): Logger {
    if (typeof this.#log === 'function') this.#log = this.#log();
    return this.#log;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortedWith);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortedWith = reason;
    this.#controller?.abort(reason);
  }

  /** The call is over: its signal (if the plugin ever asked for one) fires so listeners stop. */
  finish(): void {
    if (this.#controller && !this.#aborted) this.abort(new Error('plugin call finished'));
    this.#aborted = true;
  }
}

/** Wait for a permit; on cancellation give back `alsoRelease` (a permit already taken) and throw. */
async function acquireSlow(limit: Semaphore, outer: AbortSignal | undefined, alsoRelease?: Semaphore): Promise<void> {
  try {
    await limit.acquire(outer);
  } catch (err) {
    alsoRelease?.release();
    throw outer?.aborted ? new ScanCancelledError(outer.reason) : err;
  }
}

const outcomeOf = (err: unknown): PluginCallOutcome =>
  err instanceof PluginTimeoutError ? 'timeout' : err instanceof ScanCancelledError ? 'cancelled' : 'error';

/**
 * Call one plugin method under the engine's limits: global and per-plugin concurrency, the
 * plugin's timeout, and the caller's cancellation. The plugin gets an AbortSignal that fires on
 * any of those; a plugin that ignores it is abandoned (its permit is released) so it can never
 * hold up other payloads. A call that returns synchronously needs none of that machinery (a
 * timer cannot fire during a synchronous call) and gets none: no timer, no listener, no race,
 * and no promise — its answer (or its exception) comes back synchronously.
 */
export function invokePlugin<T>(
  engine: Engine,
  plugin: BasePlugin,
  call: (context: CallContext) => T | Promise<T>,
  options: { signal?: AbortSignal; log: LogSource; trace?: CallTrace },
): MaybePromise<Awaited<T>> {
  const outer = options.signal === NEVER_ABORTED ? undefined : options.signal;
  if (outer?.aborted) throw new ScanCancelledError(outer.reason);
  const global = engine.limiter;
  const own = engine.pluginLimiter(plugin.plugin_name);
  if (!global.tryAcquire()) {
    return acquireSlow(global, outer)
      .then(() => (own && !own.tryAcquire() ? acquireSlow(own, outer, global) : undefined))
      .then(() => callHolding(engine, plugin, call, options.log, own, outer, options.trace));
  }
  if (own && !own.tryAcquire()) return acquireSlow(own, outer, global).then(() => callHolding(engine, plugin, call, options.log, own, outer, options.trace));
  return callHolding(engine, plugin, call, options.log, own, outer, options.trace);
}

/** The call itself, with the permits already held; gives them back however it ends. */
function callHolding<T>(
  engine: Engine,
  plugin: BasePlugin,
  call: (context: CallContext) => T | Promise<T>,
  log: LogSource,
  own: Semaphore | undefined,
  outer: AbortSignal | undefined,
  trace?: CallTrace,
): MaybePromise<Awaited<T>> {
  const metrics = engine.metrics;
  const span = trace ? startPluginSpan(trace.parent, plugin.plugin_name, trace.role, trace.attributes) : undefined;
  // Always timed: a call that blocks the event loop can only be caught by measuring it when it returns.
  const started = performance.now();
  const scope = new CallScope(log);
  const release = (outcome: PluginCallOutcome, err?: unknown) => {
    scope.finish();
    own?.release();
    engine.limiter.release();
    metrics?.pluginCall(plugin.plugin_name, (performance.now() - started) / 1000, outcome);
    if (span) endSpan(span, err === undefined ? undefined : { code: errorCode(err), message: err instanceof Error ? err.message : String(err) });
  };
  let result: T | Promise<T>;
  try {
    result = call(scope);
  } catch (err) {
    noteHeld(engine, plugin, scope, performance.now() - started);
    release(outcomeOf(err), err);
    throw err;
  }
  const held = performance.now() - started;
  noteHeld(engine, plugin, scope, held);
  const seconds = engine.timeoutSeconds(plugin);
  const limitMs = seconds !== undefined && Number.isFinite(seconds) ? seconds * 1000 : Infinity;
  if (held > limitMs) {
    const err = new PluginTimeoutError(plugin.plugin_name, seconds!, held);
    if (isThenable(result)) {
      // Abandoned like an async call that overran: aborted, its eventual answer ignored.
      scope.abort(err);
      result.then(undefined, () => undefined);
    }
    release('timeout', err);
    throw err;
  }
  if (!isThenable(result)) {
    release('ok');
    return result as Awaited<T>;
  }
  return settle(result, scope, started, seconds, plugin.plugin_name, outer).then(
    (value) => {
      release('ok');
      return value as Awaited<T>;
    },
    (err: unknown) => {
      release(outcomeOf(err), err);
      throw err;
    },
  );
}

/**
 * A synchronous stretch of a plugin call long enough to matter: every other scan in the process
 * waited for it. Counted for every plugin; logged when it passes the engine's warning threshold.
 */
function noteHeld(engine: Engine, plugin: BasePlugin, scope: CallScope, heldMs: number): void {
  if (heldMs < engine.eventLoopWarningMs) return;
  engine.metrics?.eventLoopHeld?.(plugin.plugin_name, heldMs / 1000);
  scope.log.warn(
    { plugin: plugin.plugin_name, held_ms: Math.round(heldMs) },
    `Plugin ${plugin.plugin_name} held the event loop for ${Math.round(heldMs)} ms: every other scan in this process waited (consider isolation: thread for it)`,
  );
}

/**
 * The plugin's promise, or its timeout, or the caller's cancellation, whichever comes first. The
 * budget counts from `started` (the call's start), and an answer that arrives after it — because
 * the plugin kept the event loop busy so the timer could not fire — is a timeout as well.
 */
function settle(
  result: PromiseLike<unknown>,
  scope: CallScope,
  started: number,
  seconds: number | undefined,
  pluginName: string,
  outer?: AbortSignal,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let onOuterAbort: (() => void) | undefined;
    const limited = seconds !== undefined && Number.isFinite(seconds);
    const done = () => {
      if (timer) clearTimeout(timer);
      if (onOuterAbort) outer?.removeEventListener('abort', onOuterAbort);
    };
    const stop = (err: Error) => {
      done();
      scope.abort(err);
      reject(err);
    };
    if (limited) {
      timer = setTimeout(() => stop(new PluginTimeoutError(pluginName, seconds)), Math.max(0, started + seconds * 1000 - performance.now()));
      timer.unref();
    }
    if (outer) {
      onOuterAbort = () => stop(new ScanCancelledError(outer.reason));
      outer.addEventListener('abort', onOuterAbort, { once: true });
    }
    result.then(
      (value) => {
        const elapsed = performance.now() - started;
        if (limited && elapsed > seconds * 1000) return stop(new PluginTimeoutError(pluginName, seconds, elapsed));
        done();
        resolve(value);
      },
      (err: unknown) => {
        done();
        reject(err);
      },
    );
  });
}
