import { from, map, mergeMap, type MonoTypeOperatorFunction } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import { StoqError } from '../src/model/stoq-error.js';
import type { StoqResponse } from '../src/model/stoq-response.js';
import type { Engine, Failure } from './internal/engine.js';
import { invokePlugin } from './internal/invoke.js';

/**
 * Hand a finished response to every connector, concurrently. A connector failure is logged,
 * published on `engine.failures`, added to the response's errors (so the caller of `scan` sees
 * it) and returned, so a provider can refuse to acknowledge work whose results were not saved.
 * Upstream only logged it (§7.1).
 */
export async function saveResponse(engine: Engine, response: StoqResponse, signal?: AbortSignal): Promise<Failure[]> {
  if (engine.connectors.length === 0) return [];
  const log = engine.log.child({ scan_id: response.scan_id });
  const failures: Failure[] = [];
  await Promise.all(
    engine.connectors.map(async (connector) => {
      const name = connector.plugin_name;
      try {
        await invokePlugin(engine, connector, (c) => connector.save(response, c), { signal, log });
      } catch (err) {
        log.error({ err, plugin: name }, `Failed to save results using ${name}: ${(err as Error)?.message ?? String(err)}`);
        failures.push({ stage: 'connector', plugin_name: name, error: formatError(err, 'connector:failed to save'), scan_id: response.scan_id });
      }
    }),
  );
  for (const f of failures) {
    response.errors.push(new StoqError(f.error, f.plugin_name, null, 'CONNECTOR_FAILED'));
    engine.failures.next(f);
  }
  return failures;
}

/**
 * The connect stage as an operator: every response is saved by every connector before it is
 * passed on.
 *
 * @example
 * scanRequest(engine, request).pipe(connect(engine)).subscribe();
 */
export function connect(engine: Engine, concurrency = Infinity): MonoTypeOperatorFunction<StoqResponse> {
  return mergeMap((response) => from(saveResponse(engine, response)).pipe(map(() => response)), concurrency);
}
