import type { OperatorFunction } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import { itemDoneCallback, releaseCreditOf, type ItemOutcome, type ProviderItem } from '../src/plugin/provider-item.js';
import type { Credits } from './credits.js';
import type { Engine } from './internal/engine.js';
import { mergeMaybe } from './internal/merge-maybe.js';
import type { ScannedItem } from './scan-items.js';

/** What became of one provider item, once its provider was told. */
export interface ItemReceipt extends ItemOutcome {
  item: ProviderItem;
  /** Responses produced (and handed to the connectors) for the item. */
  responses: number;
}

async function tellProvider(engine: Engine, scanned: ScannedItem, credits?: Credits): Promise<ItemReceipt> {
  const outcome: ItemOutcome = scanned.errors.length === 0 ? { ok: true } : { ok: false, error: scanned.errors.join('; ') };
  try {
    const done = itemDoneCallback(scanned.item);
    if (done) await done(outcome);
  } catch (err) {
    engine.log.error({ err }, `Provider acknowledgement failed: ${formatError(err)}`);
  } finally {
    // Only items pulled with a credit give one back (a pushing provider's items took none).
    if (releaseCreditOf(scanned.item)) credits?.release();
  }
  return { item: scanned.item, responses: scanned.responses.length, ...outcome };
}

/**
 * The end of a provider's pipeline: tells each item's provider how it went (a queue acknowledges
 * the entry on `ok`, dead-letters or retries it otherwise; see `onItemDone`) and gives the item's
 * credit back so the provider may read one more. Put it after `connect`, so items are acknowledged
 * only once every connector saved their results. An item that never reaches it is never
 * acknowledged (a queue delivers it again) and keeps its credit: drop responses from an item,
 * not the item.
 *
 * @example
 * ingest(engine, [redis], { signal, demand: credits, log }).pipe(scanItems(engine), connect(engine), acknowledge(engine, credits)).subscribe();
 */
export function acknowledge(engine: Engine, credits?: Credits): OperatorFunction<ScannedItem, ItemReceipt> {
  return mergeMaybe((scanned) => tellProvider(engine, scanned, credits));
}
