import { concat, defer, from, ignoreElements, Observable, tap } from 'rxjs';
import { endSpan, startRequestSpan, type Traced } from '../src/tracing/spans.js';
import { traceCarrierOf } from '../src/tracing/trace-carrier.js';
import { traceResponse } from './internal/response-trace.js';
import type { Request } from '../src/model/request.js';
import type { StoqResponse } from '../src/model/stoq-response.js';
import { archive } from './archive.js';
import { decorate } from './decorate.js';
import { extract } from './extract.js';
import type { Engine } from './internal/engine.js';
import type { EngineMetrics } from '../src/metrics/engine-metrics.js';
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
  // A plain Observable rather than defer + finalize: two fewer subscriptions per request, which
  // shows on small payloads.
  return new Observable<StoqResponse>((subscriber) => {
    const opts = options instanceof AbortSignal ? { signal: options } : options;
    const ctx = createScanContext(engine, request, startDispatch, opts);
    ctx.trace = startRequestSpan(ctx.scanId, traceCarrierOf(request) ?? opts.traceCarrier);
    // The request's child logger costs more than a small scan's work: made only when debug is on.
    if (engine.log.isLevelEnabled('debug')) ctx.log.debug({ request_meta: request.request_meta, start_dispatches: startDispatch }, 'Request received');
    const metrics = engine.metrics;
    const started = metrics ? performance.now() : 0;
    metrics?.requestStarted();
    // Stages with no plugins configured are left out of the chain: they would do nothing, but
    // subscribing them is a measurable cost per request when payloads are small.
    const scanned: Observable<unknown> = from(ctx.nodes.slice()).pipe(extract(ctx));
    // Destination archivers see every payload, once all are scanned.
    const archived =
      engine.destArchivers.length === 0 ? scanned : concat(scanned.pipe(ignoreElements()), defer(() => from(ctx.request.payloads)).pipe(archive(ctx)));
    const responded = archived.pipe(respond(ctx));
    const traced = ctx.trace ? responded.pipe(tap((response) => traceResponse(response, ctx.trace!))) : responded;
    const subscription = (engine.decorators.length === 0 ? traced : traced.pipe(decorate(engine))).subscribe(subscriber);
    return () => {
      subscription.unsubscribe();
      if (ctx.trace) endRequestSpan(ctx.trace, request);
      ctx.dispose();
      if (metrics) report(metrics, ctx.request, started);
    };
  });
}

function endRequestSpan(trace: Traced, request: Request): void {
  trace.span.setAttributes({ 'stoq.payloads': request.payloads.length, 'stoq.errors': request.errors.length });
  endSpan(trace.span);
}

function report(metrics: EngineMetrics, request: Request, started: number): void {
  let bytes = 0;
  for (const p of request.payloads) bytes += p.results.size;
  metrics.requestFinished({ payloads: request.payloads.length, bytes, seconds: (performance.now() - started) / 1000, errors: request.errors });
}
