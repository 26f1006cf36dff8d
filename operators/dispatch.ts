import type { OperatorFunction } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import { StoqError } from '../src/model/stoq-error.js';
import { invokePlugin } from './internal/invoke.js';
import { callTrace } from './internal/call-trace.js';
import { thenMaybe, type MaybePromise } from './internal/maybe-async.js';
import { mergeMaybe } from './internal/merge-maybe.js';
import { errorCode, normaliseDispatcherResponse } from './internal/normalise.js';
import type { PayloadNode, ScanContext } from './internal/scan-context.js';

/** A dispatch decision: the workers one payload needs. */
export interface Dispatch {
  node: PayloadNode;
  /** Worker names to run, in order: `always_dispatch` first, then each dispatcher's picks. */
  workers: readonly string[];
  /** The dependency wave the decision belongs to: 0 first, later when dispatchers are asked again. */
  wave: number;
}

export interface DispatchOptions {
  /** Wave recorded on the decisions (default 0). */
  wave?: number;
  /**
   * Dispatcher errors already recorded for the payload. A payload's dispatchers may be asked
   * several times; sharing this set records each distinct error once (UD-08).
   */
  reported?: Set<string>;
  /** Payloads being dispatched at once (default: all). */
  concurrency?: number;
}

const unique = (names: readonly string[]) => [...new Set(names.map((n) => n.trim()).filter(Boolean))];

// always_dispatch is fixed for an engine: cleaned once, not for every payload. The list is shared
// by every payload's decision, hence frozen.
const cleaned = new WeakMap<readonly string[], string[]>();
function alwaysDispatch(names: readonly string[]): string[] {
  let list = cleaned.get(names);
  if (!list) cleaned.set(names, (list = Object.freeze(unique(names)) as string[]));
  return list;
}

function askDispatchers(ctx: ScanContext, node: PayloadNode, reported: Set<string> | undefined): MaybePromise<string[]> {
  const { payload } = node;
  const { engine, request } = ctx;
  if (!payload.payload_meta.should_scan) return [];
  // The common case, no dispatchers configured, stays synchronous.
  if (engine.dispatchers.length === 0) return alwaysDispatch(engine.alwaysDispatch);
  const seen = reported ?? new Set<string>();
  const record = (errors: StoqError[]) => {
    for (const e of errors) {
      const key = `${e.plugin_name}\0${e.error}`;
      if (seen.has(key)) continue;
      seen.add(key);
      request.errors.push(e);
    }
  };
  return Promise.all(
    engine.dispatchers.map(async (dispatcher) => {
      const name = dispatcher.plugin_name;
      try {
        const raw = await invokePlugin(engine, dispatcher, (c) => dispatcher.getDispatches(payload, request, c), {
          signal: ctx.signal,
          log: ctx.log,
          trace: callTrace(node, 'dispatcher'),
        });
        const response = normaliseDispatcherResponse(raw);
        if (!response) return [];
        payload.dispatch_meta[name] = response.meta;
        // Upstream dropped these silently (UD-02).
        record(response.errors);
        return response.plugin_names;
      } catch (err) {
        record([new StoqError(formatError(err, 'dispatcher:failed to dispatch'), name, payload.payload_id, errorCode(err))]);
        return [];
      }
    }),
  ).then((picks) => unique([...engine.alwaysDispatch, ...picks.flat()]));
}

/**
 * The dispatch stage: each payload node in, its dispatch decision out — `always_dispatch` plus
 * what every dispatcher picks. Dispatchers run concurrently; their metadata lands in
 * `payload.dispatch_meta`, their errors (and exceptions) in the request's errors. A payload with
 * `should_scan: false` gets no workers. Used by `scanPayload` for the first decision and again
 * whenever workers have run since.
 *
 * @example
 * from(ctx.nodes).pipe(dispatch(ctx)).subscribe(({ node, workers }) => console.log(node.payload.payload_id, workers));
 */
export function dispatch(ctx: ScanContext, options: DispatchOptions = {}): OperatorFunction<PayloadNode, Dispatch> {
  const wave = options.wave ?? 0;
  const reported = options.reported;
  return mergeMaybe((node) => thenMaybe(askDispatchers(ctx, node, reported), (workers): Dispatch => ({ node, workers, wave })), options.concurrency);
}
