/**
 * `stoq run -P redis -C redis -a hash`, rebuilt by hand from `rxstoq/operators`, with a batching
 * connector of our own after the plugin's: responses are collected for up to 100 ms or 50 items
 * and written to a JSONL file in one append; only then are their queue entries acknowledged.
 *
 *   ingest(redis)           entries of the task stream, read through a consumer group, with credits
 *     → scanItems           each entry → one response (hash always dispatched)
 *     → connect             the redis connector appends each response to the results stream
 *     → writeBatches        our stage: bufferTime, one append per batch, then the items go on
 *     → acknowledge         XACK each entry whose results were saved; the others stay pending
 *
 * Run it after `npm run build`, with Redis on 127.0.0.1:6379 (or $REDIS_URL):
 *
 *   node dist/examples/redis-batch.js <batch file> [text ...]
 *
 * Each text is enqueued first (what `stoq submit` does, through the plugin's `enqueuePayload`) and
 * the run stops once it has taken that many entries; with no texts it consumes `stoq:tasks` until
 * Ctrl-C (fill it with `stoq submit FILE...` from another terminal).
 */
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bufferTime, concatMap, defer, filter, finalize, from, lastValueFrom, tap, toArray, type MonoTypeOperatorFunction } from 'rxjs';
import { createLogger, DEFAULTS, formatError, PayloadMeta, PluginManager, type BasePlugin, type Connector, type Provider } from 'rxstoq';
import { acknowledge, connect, createEngine, Credits, gracefulShutdown, ingest, scanItems, type ItemReceipt, type ScannedItem } from 'rxstoq/operators';
import { isMain } from './plugin-dirs.js';

export interface BatchOptions {
  /** Longest a response waits for its batch to be written, in ms. Default 100. */
  maxMs?: number;
  /** Most items in one batch. Default 50. */
  maxItems?: number;
}

/**
 * A batching connector as a stage: items are buffered for `maxMs` or until `maxItems` have come,
 * each batch's responses are appended to `path` as JSON lines in one write (batches one after
 * another, so the file keeps their order), and then the batch's items go on. A failed write is
 * recorded on every item of the batch, so `acknowledge` reports them as not saved (a queue
 * delivers them again) instead of ending the run.
 */
export function writeBatches(path: string, options: BatchOptions = {}): MonoTypeOperatorFunction<ScannedItem> {
  return (items) =>
    items.pipe(
      bufferTime(options.maxMs ?? 100, null, options.maxItems ?? 50),
      filter((batch) => batch.length > 0),
      concatMap(async (batch) => {
        const lines = batch.flatMap((scanned) => scanned.responses.map((response) => `${JSON.stringify(response)}\n`)).join('');
        try {
          if (lines !== '') await appendFile(path, lines);
        } catch (err) {
          const error = `batch file ${path}: ${formatError(err)}`;
          for (const scanned of batch) scanned.errors.push(error);
        }
        return batch;
      }),
      concatMap((batch) => from(batch)),
    );
}

/** What `stoq submit` needs of a queue plugin; the redis plugin has it. */
interface QueueProducer {
  enqueuePayload(content: Uint8Array, payloadMeta?: PayloadMeta): Promise<string>;
}
const isQueueProducer = (p: BasePlugin): p is BasePlugin & QueueProducer => typeof (p as Partial<QueueProducer>).enqueuePayload === 'function';

export interface RedisBatchOptions {
  /** The JSONL file batches are appended to. */
  batchFile: string;
  /** The redis plugin's options (plugins/redis/README.md): `redis_url`, `stream`, `group`, `results_stream`, ... */
  redis?: Record<string, string | number | boolean>;
  /** Texts to enqueue on the task stream before consuming it. */
  tasks?: string[];
  /** Stop after taking this many entries. Default: as many as `tasks`, else run until `signal` aborts. */
  maxItems?: number;
  signal?: AbortSignal;
  batch?: BatchOptions;
  logLevel?: string;
}

export interface RedisBatchSummary {
  /** Stream ids of the entries enqueued from `tasks`. */
  enqueued: string[];
  /** One per entry taken, in the order they were acknowledged. */
  receipts: ItemReceipt[];
}

export async function main(options: RedisBatchOptions): Promise<RedisBatchSummary> {
  const log = createLogger({ level: options.logLevel ?? 'info' });
  const manager = new PluginManager({ log, pluginOpts: { redis: options.redis ?? {} } });
  try {
    // One instance plays both roles; it connects as it loads, so a wrong URL fails here.
    const redis = (await manager.loadPlugin('redis', 'provider')) as Provider;
    const connector = (await manager.loadPlugin('redis', 'connector')) as Connector;
    if (!isQueueProducer(redis)) throw new Error('the redis plugin cannot take submissions (it has no enqueuePayload)');
    const enqueued: string[] = [];
    for (const [i, text] of (options.tasks ?? []).entries()) {
      enqueued.push(await redis.enqueuePayload(Buffer.from(text), new PayloadMeta({ extra_data: { task: i } })));
    }

    const engine = createEngine({ manager, log, alwaysDispatch: ['hash'], connectors: [connector] });
    const maxItems = options.maxItems ?? (enqueued.length > 0 ? enqueued.length : undefined);
    const receipts$ = defer(() => {
      const concurrency = DEFAULTS.providerConsumers;
      const credits = new Credits(DEFAULTS.maxQueue + concurrency);
      const enough = new AbortController();
      const stop = gracefulShutdown(options.signal ? AbortSignal.any([options.signal, enough.signal]) : enough.signal);
      let taken = 0;
      return ingest(engine, [redis], { signal: stop.stopIngest, demand: credits, log }).pipe(
        tap(() => {
          if (++taken === maxItems) enough.abort(new Error(`${taken} entries taken`));
        }),
        scanItems(engine, { concurrency, signal: stop.cancelScans }),
        connect(engine),
        writeBatches(options.batchFile, options.batch),
        acknowledge(engine, credits),
        tap((receipt) => receipt.ok || log.error({ error: receipt.error }, 'entry not saved; it stays pending')),
        finalize(stop.dispose),
      );
    });
    return { enqueued, receipts: await lastValueFrom(receipts$.pipe(toArray())) };
  } finally {
    await manager.closePlugins();
  }
}

if (isMain(import.meta.url)) {
  const [file, ...tasks] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/examples/redis-batch.js <batch file> [text ...]\n');
    process.exit(2);
  }
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort(new Error(`${signal} received`)));
  if (tasks.length === 0) process.stderr.write('consuming stoq:tasks (Ctrl-C stops)\n');
  const { receipts } = await main({ batchFile: resolve(file), tasks, signal: stop.signal, logLevel: 'warn' });
  const saved = receipts.filter((r) => r.ok).length;
  process.stderr.write(`stopped: ${receipts.length} entries taken, ${saved} saved to ${resolve(file)} and acknowledged\n`);
}
