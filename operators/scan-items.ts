import { catchError, concatMap, map, mergeMap, of, reduce, type OperatorFunction } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import type { RequestMeta } from '../src/model/request-meta.js';
import type { StoqResponse } from '../src/model/stoq-response.js';
import type { ProviderItem } from '../src/plugin/provider-item.js';
import type { Engine } from './internal/engine.js';
import { scanRequest } from './scan-request.js';
import { toRequests } from './to-requests.js';

const CANCELLED = new Set(['REQUEST_CANCELLED', 'SCAN_CANCELLED']);
const wasCancelled = (response: StoqResponse) => response.errors.some((e) => e.code !== undefined && e.code !== null && CANCELLED.has(e.code));
const reasonOf = (signal: AbortSignal) => (signal.reason as { message?: string } | undefined)?.message ?? String(signal.reason);

/** A provider item with the responses of its requests: what `connect` saves and `acknowledge` reports. */
export interface ScannedItem {
  item: ProviderItem;
  responses: StoqResponse[];
  /** Why the item (or part of it) did not become saved results; empty when all went well. */
  errors: string[];
}

export interface ScanItemsOptions {
  /** Request metadata for items that bring none. */
  requestMeta?: RequestMeta;
  /** Workers for every item's initial payloads. */
  startDispatch?: string[];
  /** Cancels the scans (e.g. when a stopping run's grace period ends). */
  signal?: AbortSignal;
  /** Items scanned at once (`provider_consumers`); default 1, as upstream. */
  concurrency?: number;
}

/**
 * Provider items in, one `ScannedItem` out per item: `toRequests`, then `scanRequest` on each of
 * its requests in turn, at most `concurrency` items at once. An item's failure (no request could
 * be made, an unexpected error) is recorded on it, never thrown, so one bad item cannot end a run.
 *
 * @example
 * ingest(engine, providers, context).pipe(scanItems(engine, { concurrency: 4 }), connect(engine), acknowledge(engine, credits)).subscribe();
 */
export function scanItems(engine: Engine, options: ScanItemsOptions = {}): OperatorFunction<ProviderItem, ScannedItem> {
  const startDispatch = options.startDispatch ?? [];
  const signal = options.signal;
  return mergeMap((item: ProviderItem) => {
    const scanned: ScannedItem = { item, responses: [], errors: [] };
    return of(item).pipe(
      toRequests(engine, { requestMeta: options.requestMeta, signal, errors: scanned.errors }),
      concatMap((request) => scanRequest(engine, request, startDispatch, { signal })),
      reduce((s, response) => {
        s.responses.push(response);
        return s;
      }, scanned),
      catchError((err: unknown) => {
        const error = formatError(err);
        engine.log.error({ err }, `Provider item failed: ${error}`);
        engine.failures.next({ stage: 'request', plugin_name: null, error });
        scanned.errors.push(error);
        return of(scanned);
      }),
      map((s) => {
        if (s.responses.length === 0 && s.errors.length === 0) s.errors.push('the item could not be turned into a request');
        // Cut short by a stopping run: what was found is saved, but the item is not done, so a
        // queue must deliver it again rather than acknowledge it.
        if (signal?.aborted && s.responses.some(wasCancelled)) s.errors.push(`the scan was cancelled: ${reasonOf(signal)}`);
        return s;
      }),
    );
  }, options.concurrency ?? 1);
}
