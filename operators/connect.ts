import { identity, type MonoTypeOperatorFunction } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import { StoqError } from '../src/model/stoq-error.js';
import type { StoqResponse } from '../src/model/stoq-response.js';
import type { Engine, Failure } from './internal/engine.js';
import { invokePlugin } from './internal/invoke.js';
import { responseCallTrace } from './internal/response-trace.js';
import { mergeMaybe } from './internal/merge-maybe.js';
import type { ScannedItem } from './scan-items.js';

/**
 * Hand a finished response to every connector, concurrently. A connector failure is logged,
 * published on `engine.failures`, added to the response's errors (so the caller of `scan` sees
 * it) and returned, so a provider can refuse to acknowledge work whose results were not saved.
 * Upstream only logged it (UD-01).
 */
async function saveResponse(engine: Engine, response: StoqResponse, signal?: AbortSignal): Promise<Failure[]> {
  const log = engine.log.child({ scan_id: response.scan_id });
  const failures: Failure[] = [];
  await Promise.all(
    engine.connectors.map(async (connector) => {
      const name = connector.plugin_name;
      try {
        await invokePlugin(engine, connector, (c) => connector.save(response, c), { signal, log, trace: responseCallTrace(response, 'connector') });
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

async function saveItem(engine: Engine, scanned: ScannedItem, signal?: AbortSignal): Promise<ScannedItem> {
  for (const response of scanned.responses) {
    for (const f of await saveResponse(engine, response, signal)) scanned.errors.push(f.error);
  }
  return scanned;
}

const isScannedItem = (v: StoqResponse | ScannedItem): v is ScannedItem => 'item' in v && Array.isArray((v as ScannedItem).responses);

/**
 * The connect stage: every connector saves each response (or each response of a `ScannedItem`)
 * before it is passed on, so what follows — `acknowledge`, a caller's `await` — only ever sees
 * saved results. A connector failure becomes an error on the response (and on the item), never
 * an error of the stream. With no connectors on the engine it passes values straight through.
 *
 * @example
 * scanRequest(engine, request).pipe(connect(engine)).subscribe((response) => console.log(response.scan_id));
 */
export function connect<T extends StoqResponse | ScannedItem>(
  engine: Engine,
  options: { signal?: AbortSignal; concurrency?: number } = {},
): MonoTypeOperatorFunction<T> {
  // The connectors are those the engine has when the operator is applied (Stoq loads them before
  // it scans anything); with none, the stage costs nothing.
  if (engine.connectors.length === 0) return identity;
  return mergeMaybe(async (value: T): Promise<T> => {
    if (isScannedItem(value)) await saveItem(engine, value, options.signal);
    else await saveResponse(engine, value as StoqResponse, options.signal);
    return value;
  }, options.concurrency);
}
