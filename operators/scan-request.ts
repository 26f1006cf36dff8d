import { defer, finalize, from, last, mergeMap, toArray, type Observable } from 'rxjs';
import type { Request } from '../src/model/request.js';
import { StoqError } from '../src/model/stoq-error.js';
import type { StoqResponse } from '../src/model/stoq-response.js';
import { archive } from './archive.js';
import { decorate } from './decorate.js';
import { extract } from './extract.js';
import type { Engine } from './internal/engine.js';
import { createScanContext, type ScanRequestOptions } from './internal/scan-context.js';
import { respond } from './respond.js';

/**
 * One request through the whole pipeline, as a cold Observable of exactly one response:
 *
 *   initial payloads
 *     → extract  (dispatch → work on each payload; recurse into extracted payloads)
 *     → archive  (destination archivers, once every payload is done)
 *     → respond  (ordered results, one StoqResponse)
 *     → decorate
 *
 * Connectors are left to the subscriber (`connect(engine)`), so a custom chain decides where
 * responses go.
 *
 * @example
 * scanRequest(engine, new Request({ payloads: [new Payload('hello')] }), ['hash'])
 *   .pipe(connect(engine))
 *   .subscribe((response) => console.log(JSON.stringify(response)));
 */
export function scanRequest(
  engine: Engine,
  request: Request,
  startDispatch: string[] = [],
  options: ScanRequestOptions | AbortSignal = {},
): Observable<StoqResponse> {
  return defer(() => {
    const ctx = createScanContext(engine, request, startDispatch, options instanceof AbortSignal ? { signal: options } : options);
    ctx.log.debug({ request_meta: request.request_meta, start_dispatches: startDispatch }, 'Request received');
    if (engine.maxRecursion <= 0) {
      for (const p of request.payloads) {
        request.errors.push(new StoqError(`Final worker round (${engine.maxRecursion}) reached, unable to process payload`, null, p.payload_id, 'MAX_RECURSION'));
      }
    }
    return from(ctx.nodes.slice()).pipe(
      extract(ctx),
      toArray(),
      mergeMap(() => from(ctx.request.payloads)),
      archive(ctx),
      toArray(),
      respond(ctx),
      decorate(engine),
      last(),
      finalize(() => ctx.dispose()),
    );
  });
}
