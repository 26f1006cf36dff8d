import type { Observable } from 'rxjs';
import { Payload, PayloadMeta, ProviderPlugin, pullFrom, type IngestContext } from 'rxstoq';

/**
 * An example provider: a pull-based source (`pullFrom`), so the engine takes items only as fast
 * as it can scan them, and the run ends when the list is exhausted.
 */
export class ListProvider extends ProviderPlugin {
  ingest(context: IngestContext): Observable<Payload> {
    const items = this.optionList('items');
    return pullFrom(
      context,
      items.map((text, i) => new Payload(text, new PayloadMeta({ extra_data: { index: i } }))),
    );
  }
}
