import type { MonoTypeOperatorFunction } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import { StoqError } from '../src/model/stoq-error.js';
import type { StoqResponse } from '../src/model/stoq-response.js';
import type { Engine } from './internal/engine.js';
import { invokePlugin } from './internal/invoke.js';
import { responseCallTrace } from './internal/response-trace.js';
import { mergeMaybe } from './internal/merge-maybe.js';
import { errorCode, normaliseResultsResponse } from './internal/normalise.js';

/**
 * Run every decorator on a finished response. They run concurrently, but their results are
 * written in configuration order once all are done, so no decorator sees another's half-written
 * output and key order never depends on timing (UD-29).
 */
export async function decorateResponse(engine: Engine, response: StoqResponse, signal?: AbortSignal): Promise<StoqResponse> {
  if (engine.decorators.length === 0) return response;
  const log = engine.log.child({ scan_id: response.scan_id });
  const outcomes = await Promise.all(
    engine.decorators.map(async (decorator) => {
      const name = decorator.plugin_name;
      try {
        const raw = await invokePlugin(engine, decorator, (c) => decorator.decorate(response, c), {
          signal,
          log,
          trace: responseCallTrace(response, 'decorator'),
        });
        return { name, response: normaliseResultsResponse(raw, 'DecoratorResponse') };
      } catch (err) {
        return { name, error: new StoqError(formatError(err, 'decorator'), name, null, errorCode(err)) };
      }
    }),
  );
  for (const o of outcomes) {
    if (o.error) response.errors.push(o.error);
    if (o.response) {
      if (o.response.results !== null && o.response.results !== undefined) response.decorators[o.name] = o.response.results;
      response.errors.push(...o.response.errors);
    }
  }
  return response;
}

/**
 * The decorate stage as an operator.
 *
 * @example
 * of(response).pipe(decorate(engine)).subscribe((r) => console.log(r.decorators));
 */
export function decorate(engine: Engine, concurrency = Infinity): MonoTypeOperatorFunction<StoqResponse> {
  return mergeMaybe((response) => decorateResponse(engine, response), concurrency);
}
