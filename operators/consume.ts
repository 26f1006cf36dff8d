import { defer, finalize, identity, type Observable } from 'rxjs';
import type { ProviderItem } from '../src/plugin/provider-item.js';
import type { Logger } from '../src/log/logger.js';
import type { Provider } from '../src/plugin/base-plugin.js';
import { acknowledge, type ItemReceipt } from './acknowledge.js';
import { connect } from './connect.js';
import { Credits } from './credits.js';
import { ingest } from './ingest.js';
import type { Engine } from './internal/engine.js';
import { scanItems, type ScanItemsOptions } from './scan-items.js';
import { rateLimit, type RateLimit } from './rate-limit.js';
import { gracefulShutdown } from './shutdown.js';

export interface ConsumeOptions extends Omit<ScanItemsOptions, 'signal'> {
  /** Abort to stop: providers stop reading, items in flight finish within `graceSeconds`. */
  signal?: AbortSignal;
  /** Default 30. */
  graceSeconds?: number;
  /** Items taken from providers and not yet acknowledged, at most (default: `concurrency`). */
  credits?: Credits;
  /** At most N items per S seconds ('N/S', upstream's ratelimit), paced before scanning. */
  ratelimit?: string | RateLimit;
  log?: Logger;
}

/**
 * What `stoq run` is: every provider's items scanned, saved by the connectors and acknowledged,
 * one receipt per item; completes when every provider has completed (or the run was stopped and
 * the items in flight are done). It is exactly
 *
 *   ingest → (rateLimit) → scanItems → connect → acknowledge
 *
 * so a pipeline that needs another stage (a filter, a batching connector) is built from those
 * operators by hand instead (see docs/architecture.md).
 *
 * @example
 * consume(engine, [filedir], { concurrency: 4, credits: new Credits(104) }).subscribe((r) => r.ok || console.error(r.error));
 */
export function consume(engine: Engine, providers: Provider[], options: ConsumeOptions = {}): Observable<ItemReceipt> {
  return defer(() => {
    const concurrency = options.concurrency ?? 1;
    const credits = options.credits ?? new Credits(concurrency);
    const stop = gracefulShutdown(options.signal, options.graceSeconds);
    return ingest(engine, providers, { signal: stop.stopIngest, demand: credits, log: options.log ?? engine.log }).pipe(
      options.ratelimit === undefined ? identity : rateLimit<ProviderItem>(options.ratelimit),
      scanItems(engine, { ...options, signal: stop.cancelScans, concurrency }),
      connect(engine),
      acknowledge(engine, credits),
      finalize(stop.dispose),
    );
  });
}
