import { catchError, defer, EMPTY, merge, type Observable } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import type { Provider } from '../src/plugin/base-plugin.js';
import type { IngestContext, ProviderItem } from '../src/plugin/provider-item.js';
import type { Engine } from './internal/engine.js';

/**
 * Merge every provider's Observable into one stream of items. A provider that throws or errors is
 * logged and published on `engine.failures`; the others go on (upstream let one provider's
 * exception abandon the whole run, UD-05).
 *
 * @example
 * ingest(engine, [filedir], context).pipe(toRequests(engine)).subscribe((request) => console.log(request.payloads.length));
 */
export function ingest(engine: Engine, providers: Provider[], context: IngestContext): Observable<ProviderItem> {
  return merge(
    ...providers.map((provider) =>
      defer(() => provider.ingest({ ...context, log: provider.log })).pipe(
        catchError((err: unknown) => {
          const message = (err as Error)?.message ?? String(err);
          engine.log.error({ err, plugin: provider.plugin_name }, message);
          engine.failures.next({ stage: 'provider', plugin_name: provider.plugin_name, error: formatError(err, 'provider:failed to ingest') });
          return EMPTY;
        }),
      ),
    ),
  );
}
