import { Semaphore } from '../src/concurrency/semaphore.js';
import type { Demand } from '../src/plugin/provider-item.js';

/**
 * Provider back-pressure: a provider (through `pullFrom`) takes one credit per item it emits, and
 * `acknowledge` gives it back once the item's responses are saved. With `limit` credits, at most
 * `limit` items are anywhere between the provider and the acknowledgement.
 *
 * @example
 * const credits = new Credits(maxQueue + consumers);
 * ingest(engine, providers, { signal, demand: credits, log })
 *   .pipe(scanItems(engine), connect(engine), acknowledge(engine, credits))
 *   .subscribe();
 */
export class Credits implements Demand {
  readonly #semaphore: Semaphore;
  #outstanding = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Credits: limit must be a whole number of at least 1, got ${limit}`);
    this.#semaphore = new Semaphore(limit);
  }

  /** Items taken and not yet acknowledged. */
  get outstanding(): number {
    return this.#outstanding;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    await this.#semaphore.acquire(signal);
    this.#outstanding++;
  }

  /** One item is done: its credit goes back to the providers. */
  release(): void {
    if (this.#outstanding === 0) return;
    this.#outstanding--;
    this.#semaphore.release();
  }
}
