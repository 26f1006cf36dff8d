import { Observable } from 'rxjs';
import type { Logger } from '../log/logger.js';
import type { Payload } from '../model/payload.js';
import type { PayloadMeta } from '../model/payload-meta.js';
import type { Request } from '../model/request.js';
import type { RequestMeta } from '../model/request-meta.js';

/** A task for source archivers: `{archiverName: taskMeta}`; each entry becomes one request. */
export type ArchiverTask = Record<string, Record<string, unknown>>;

export type ProviderItem = Payload | Request | ArchiverTask;

/**
 * Credits the engine hands out so pull-based providers read only as fast as scans finish:
 * one credit per item, returned when that item's scans are done.
 */
export interface Demand {
  /** Resolves when the engine can take one more item (or rejects when the run is stopping). */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Gives back a credit taken for an item that never came (the source ended, failed or was stopped). */
  release?(): void;
}

export interface IngestContext {
  /** Aborted when the run is stopping; providers stop reading and complete. */
  signal: AbortSignal;
  demand: Demand;
  log: Logger;
}

/** Marker carried by items whose provider wants to hear when they are done. */
export const ITEM_DONE = Symbol.for('rxstoq.itemDone');

export interface ItemOutcome {
  ok: boolean;
  /** Why the item could not be turned into saved results, when `ok` is false. */
  error?: string;
}

/** Attach a completion callback to a provider item (e.g. to XACK a queue entry after saving). */
export function onItemDone<T extends object>(item: T, callback: (outcome: ItemOutcome) => void | Promise<void>): T {
  Object.defineProperty(item, ITEM_DONE, { value: callback, enumerable: false, configurable: true });
  return item;
}

export function itemDoneCallback(item: unknown): ((outcome: ItemOutcome) => void | Promise<void>) | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  return (item as { [ITEM_DONE]?: (outcome: ItemOutcome) => void | Promise<void> })[ITEM_DONE];
}

/** Marker carried by task items that bring their own metadata (e.g. from a queue entry). */
export const ITEM_META = Symbol.for('rxstoq.itemMeta');

/**
 * Metadata a task item brings along. A task's payload comes from a source archiver, so without
 * this the request would get the run's metadata and a queue could not say which entry it was.
 */
export interface ItemMeta {
  /** Used for the task's request(s) instead of the run's request metadata. */
  request_meta?: RequestMeta;
  /** Describes the fetched payload: its extra_data is merged over the archiver's, the other fields replace it. */
  payload_meta?: PayloadMeta;
}

/** Attach metadata to a task item `{archiverName: taskMeta}`. */
export function withItemMeta<T extends object>(item: T, meta: ItemMeta): T {
  Object.defineProperty(item, ITEM_META, { value: meta, enumerable: false, configurable: true });
  return item;
}

export function itemMeta(item: unknown): ItemMeta | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  return (item as { [ITEM_META]?: ItemMeta })[ITEM_META];
}

/** Items emitted by `pullFrom`, each holding one credit until it is acknowledged. */
const carriesCredit = new WeakSet<object>();

/**
 * Whether `item` holds a credit (it came through `pullFrom`), forgetting it: a credit goes back
 * once. Items a provider pushes without asking took none and must give none back.
 */
export function releaseCreditOf(item: unknown): boolean {
  return typeof item === 'object' && item !== null && carriesCredit.delete(item);
}

/**
 * An Observable over an async source that pulls the next item only when the engine grants a
 * credit, and stops pulling (calling the iterator's `return`) when unsubscribed or aborted.
 */
export function pullFrom<T>(context: IngestContext, source: AsyncIterable<T> | Iterable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    context.signal.addEventListener('abort', onAbort, { once: true });
    const iterator = Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
    (async () => {
      // A credit kept by a source that has ended would be lost to every other provider of the run.
      let held = false;
      const giveBack = () => {
        if (held) context.demand.release?.();
        held = false;
      };
      try {
        while (!stop.signal.aborted && !context.signal.aborted) {
          await context.demand.acquire(stop.signal);
          held = true;
          if (stop.signal.aborted) break;
          const step = await iterator.next();
          if (step.done) break;
          held = false; // the item carries it now; `acknowledge` gives it back
          if (typeof step.value === 'object' && step.value !== null) carriesCredit.add(step.value);
          subscriber.next(step.value);
        }
        giveBack();
        subscriber.complete();
      } catch (err) {
        giveBack();
        if (stop.signal.aborted || context.signal.aborted) subscriber.complete();
        else subscriber.error(err);
      }
    })();
    return () => {
      stop.abort();
      context.signal.removeEventListener('abort', onAbort);
      void iterator.return?.();
    };
  });
}
