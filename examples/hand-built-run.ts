/**
 * `stoq run -P dirmon -a mimetype,hash -C filedir`, rebuilt by hand from `rxstoq/operators`, with a
 * stage of our own between scanning and saving: only responses whose file is text are saved.
 *
 *   ingest(dirmon)                 new files, pulled with credits (back-pressure)
 *     → scanItems                  each file → one response (mimetype and hash always dispatched)
 *     → keepResponses(text/*)      our stage: drops the other responses, never the items
 *     → connect                    filedir saves what is left
 *     → acknowledge                every item is reported and gives its credit back
 *
 * Run it after `npm run build`:
 *
 *   node dist/examples/hand-built-run.js [folder to watch] [results folder] [max items]
 *
 * Folders not given are made in the system's temporary folder (and printed). It stops on Ctrl-C,
 * or once it has taken `max items` files; files already taken are finished and saved either way.
 * The recipe behind it: docs/architecture.md ("Build your own pipeline").
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defer, finalize, identity, lastValueFrom, map, tap, toArray, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import { createLogger, DEFAULTS, PluginManager, type Connector, type Provider, type RequestMeta, type StoqResponse } from 'rxstoq';
import {
  acknowledge,
  connect,
  createEngine,
  Credits,
  gracefulShutdown,
  ingest,
  scanItems,
  type Engine,
  type ItemReceipt,
  type ScannedItem,
} from 'rxstoq/operators';
import { isMain } from './plugin-dirs.js';

export interface HandBuiltPipelineOptions {
  /** Abort to stop: providers stop reading at once, items already taken finish within `graceSeconds`. */
  signal?: AbortSignal;
  /** Default 30, as `stoq run --grace`. */
  graceSeconds?: number;
  /** Items scanned at once (`provider_consumers`). Default as `stoq run`: 2. */
  concurrency?: number;
  /** Items between the provider and their acknowledgement, at most. Default as `stoq run`: `max_queue` (100) + `concurrency`. */
  credits?: Credits;
  /** Stop reading after this many items (those taken are still finished). Default: no limit. */
  maxItems?: number;
  /** Request metadata for items that bring none (`--request-source`, `--request-extra`). */
  requestMeta?: RequestMeta;
  /** Workers for every item's initial payloads (`--start-dispatch`). */
  startDispatch?: string[];
  /** Our own stage, between scanning and saving. Default: none. */
  stage?: MonoTypeOperatorFunction<ScannedItem>;
}

/**
 * The provider pipeline `Stoq.run` runs (the `consume` operator), composed by hand so a stage of
 * our own fits between `scanItems` and `connect`. One receipt per item; completes when every
 * provider has completed, or once the run was stopped and the items taken are acknowledged.
 */
export function handBuiltRun(engine: Engine, providers: Provider[], options: HandBuiltPipelineOptions = {}): Observable<ItemReceipt> {
  return defer(() => {
    const concurrency = options.concurrency ?? DEFAULTS.providerConsumers;
    const credits = options.credits ?? new Credits(DEFAULTS.maxQueue + concurrency);
    // "After N items" stops the way a signal does: `take(n)` would unsubscribe the items in flight,
    // which would then never be saved nor acknowledged.
    const enough = new AbortController();
    const stop = gracefulShutdown(options.signal ? AbortSignal.any([options.signal, enough.signal]) : enough.signal, options.graceSeconds ?? 30);
    let taken = 0;
    return ingest(engine, providers, { signal: stop.stopIngest, demand: credits, log: engine.log }).pipe(
      tap(() => {
        if (++taken === options.maxItems) enough.abort(new Error(`${taken} items taken`));
      }),
      scanItems(engine, { concurrency, signal: stop.cancelScans, requestMeta: options.requestMeta, startDispatch: options.startDispatch }),
      options.stage ?? identity,
      connect(engine),
      acknowledge(engine, credits),
      finalize(stop.dispose),
    );
  });
}

/**
 * A custom stage: keep only the responses `keep` accepts. Items always go on, so each one is
 * still acknowledged and gives its credit back: an item dropped here would never reach
 * `acknowledge`, a queue would deliver it again, and the run would lose a credit for good.
 */
export function keepResponses(keep: (response: StoqResponse) => boolean): MonoTypeOperatorFunction<ScannedItem> {
  return map((scanned) => ({ ...scanned, responses: scanned.responses.filter(keep) }));
}

/** The MIME type the mimetype worker gave the response's first initial payload (the file itself). */
export function rootMimetype(response: StoqResponse): string | undefined {
  const root = response.results.find((r) => r.extracted_from.length === 0);
  const result = root?.workers['mimetype'] as { mimetype?: unknown } | undefined;
  return typeof result?.mimetype === 'string' ? result.mimetype : undefined;
}

export interface HandBuiltRunOptions {
  /** Folder to watch for new files. */
  sourceDir: string;
  /** Folder the kept responses are written to, one JSON file per scan. */
  resultsDir: string;
  /** Responses whose file has a MIME type starting with this are saved. Default `text/`. */
  keepMimePrefix?: string;
  /** Stop after this many files. Default: run until `signal` aborts. */
  maxItems?: number;
  signal?: AbortSignal;
  /** Called once the folder is watched: files created from then on are scanned. */
  onWatching?: () => void;
  /** How long a new file must stay unchanged before it is taken (dirmon's `settle_ms`). */
  settleMs?: number;
  logLevel?: string;
}

export interface HandBuiltRunSummary {
  /** One per file taken, in the order they were acknowledged. */
  receipts: ItemReceipt[];
  /** Responses saved by filedir. */
  saved: number;
}

export async function main(options: HandBuiltRunOptions): Promise<HandBuiltRunSummary> {
  const log = createLogger({ level: options.logLevel ?? 'info' });
  const manager = new PluginManager({
    log,
    pluginOpts: {
      dirmon: { source_dir: options.sourceDir, ...(options.settleMs !== undefined && { settle_ms: options.settleMs }) },
      filedir: { results_dir: options.resultsDir },
    },
  });
  try {
    // The bundled plugins are indexed by default; the roles are checked as they load.
    const dirmon = (await manager.loadPlugin('dirmon', 'provider')) as Provider & { whenWatching(): Promise<void> };
    const filedir = (await manager.loadPlugin('filedir', 'connector')) as Connector;
    const engine = createEngine({ manager, log, alwaysDispatch: ['mimetype', 'hash'], connectors: [filedir] });
    const prefix = options.keepMimePrefix ?? 'text/';
    const receipts = lastValueFrom(
      handBuiltRun(engine, [dirmon], {
        signal: options.signal,
        maxItems: options.maxItems,
        stage: keepResponses((response) => rootMimetype(response)?.startsWith(prefix) ?? false),
      }).pipe(
        tap((receipt) => receipt.ok || log.error({ error: receipt.error }, 'item failed')),
        toArray(),
      ),
    );
    if (options.onWatching) {
      // Never leave the caller waiting when the run ends before the watcher is ready.
      await Promise.race([dirmon.whenWatching(), receipts.catch(() => undefined)]);
      options.onWatching();
    }
    const done = await receipts;
    return { receipts: done, saved: done.reduce((n, r) => n + r.responses, 0) };
  } finally {
    await manager.closePlugins();
  }
}

if (isMain(import.meta.url)) {
  const [watch, results, max] = process.argv.slice(2);
  const sourceDir = resolve(watch ?? mkdtempSync(join(tmpdir(), 'hand-built-inbox-')));
  const resultsDir = resolve(results ?? mkdtempSync(join(tmpdir(), 'hand-built-results-')));
  const maxItems = max === undefined ? undefined : Number(max);
  if (maxItems !== undefined && !(Number.isInteger(maxItems) && maxItems > 0)) {
    process.stderr.write(`max items must be a whole number of at least 1, got ${max}\n`);
    process.exit(2);
  }
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort(new Error(`${signal} received`)));
  const summary = await main({
    sourceDir,
    resultsDir,
    maxItems,
    signal: stop.signal,
    logLevel: 'warn',
    onWatching: () => process.stderr.write(`watching ${sourceDir}; text results go to ${resultsDir} (Ctrl-C stops)\n`),
  });
  process.stderr.write(`stopped: ${summary.receipts.length} files acknowledged, ${summary.saved} results saved\n`);
}
