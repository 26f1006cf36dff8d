import { from, mergeMap, map, type OperatorFunction } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import { StoqError } from '../src/model/stoq-error.js';
import { invokePlugin } from './internal/invoke.js';
import { errorCode, normaliseDispatcherResponse } from './internal/normalise.js';
import type { PayloadNode, ScanContext } from './internal/scan-context.js';

export interface Dispatch {
  node: PayloadNode;
  /** Worker names to run, in order: `always_dispatch` first, then each dispatcher's picks. */
  workers: string[];
}

/**
 * Ask `always_dispatch` and every dispatcher which workers a payload needs. Dispatchers run
 * concurrently; their metadata lands in `payload.dispatch_meta`, their errors (and their
 * exceptions) in the request's errors — once each when `reported` is shared across calls for
 * the same payload. Payloads with `should_scan: false` get nothing.
 */
export async function dispatchPayload(ctx: ScanContext, node: PayloadNode, reported: Set<string> = new Set()): Promise<string[]> {
  const { payload } = node;
  if (!payload.payload_meta.should_scan) return [];
  const { engine, request } = ctx;
  // A payload's dispatchers may be asked several times; each distinct error is recorded once (§7.8).
  const record = (errors: StoqError[]) => {
    for (const e of errors) {
      const key = `${e.plugin_name}\0${e.error}`;
      if (reported.has(key)) continue;
      reported.add(key);
      request.errors.push(e);
    }
  };
  const picks = await Promise.all(
    engine.dispatchers.map(async (dispatcher) => {
      const name = dispatcher.plugin_name;
      try {
        const raw = await invokePlugin(engine, dispatcher, (c) => dispatcher.getDispatches(payload, request, c), {
          signal: ctx.signal,
          log: ctx.log,
        });
        const response = normaliseDispatcherResponse(raw);
        if (!response) return [];
        payload.dispatch_meta[name] = response.meta;
        // Upstream dropped these silently (§7.2).
        record(response.errors);
        return response.plugin_names;
      } catch (err) {
        record([new StoqError(formatError(err, 'dispatcher:failed to dispatch'), name, payload.payload_id, errorCode(err))]);
        return [];
      }
    }),
  );
  return [...new Set([...engine.alwaysDispatch, ...picks.flat()].map((n) => n.trim()).filter(Boolean))];
}

/**
 * The dispatch stage as an operator: each payload node in, its dispatch decision out.
 *
 * @example
 * from(ctx.nodes).pipe(dispatch(ctx)).subscribe(({ node, workers }) => console.log(node.payload.payload_id, workers));
 */
export function dispatch(ctx: ScanContext, concurrency = Infinity): OperatorFunction<PayloadNode, Dispatch> {
  return mergeMap((node) => from(dispatchPayload(ctx, node)).pipe(map((workers) => ({ node, workers }))), concurrency);
}
