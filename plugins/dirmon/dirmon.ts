import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { watch } from 'chokidar';
import { Observable } from 'rxjs';
import { Payload, PayloadMeta, ProviderPlugin, StoqPluginException, pullFrom, type IngestContext, type Logger } from 'rxstoq';
import { z } from 'zod';
import { isNoise } from './noise.js';
import { PathQueue } from './path-queue.js';

const OptionsSchema = z.object({
  /** Folder to watch (required); relative paths resolve against the working directory. */
  source_dir: z.string().nullish(),
  /** A new file is reported once its size has not changed for this many milliseconds. */
  settle_ms: z.number().int().nonnegative().default(500),
});

/**
 * Watch a folder (recursively) and ingest every file created in it, once the file has stopped
 * growing. Runs until the run is stopped or the Observable is unsubscribed.
 */
export class DirmonPlugin extends ProviderPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  #sourceDir!: string;
  #watching = deferred();

  override async setup(): Promise<void> {
    const sourceDir = this.options.source_dir;
    if (!sourceDir) throw new StoqPluginException('dirmon: source_dir is not set; it names the folder to watch');
    // Relative to the working directory, as upstream (os.path.abspath).
    this.#sourceDir = resolve(sourceDir);
    const found = await stat(this.#sourceDir).catch(() => undefined);
    if (!found?.isDirectory()) throw new StoqPluginException(`dirmon: source_dir ${this.#sourceDir} does not exist or is not a folder`);
  }

  /**
   * Resolves once a watcher is ready to report new files: the current one, or else the next
   * `ingest()`'s. Lets a program create files only when they will be seen.
   */
  whenWatching(): Promise<void> {
    return this.#watching.promise;
  }

  ingest(ctx: IngestContext): Observable<Payload> {
    return new Observable<Payload>((subscriber) => {
      const root = this.#sourceDir;
      const settle = this.options.settle_ms;
      const queue = new PathQueue();
      const watcher = watch(root, {
        ignoreInitial: true,
        ignored: (path: string) => isNoise(root, path),
        // Report a file only once its size has stopped changing for `settle` ms.
        awaitWriteFinish: settle > 0 ? { stabilityThreshold: settle, pollInterval: Math.max(10, Math.min(100, Math.floor(settle / 5))) } : false,
      });
      watcher.on('add', (path: string) => queue.push(path));
      watcher.on('error', (err: unknown) => ctx.log.warn({ err, source_dir: root }, `dirmon: watcher error: ${(err as Error)?.message ?? String(err)}`));
      const watching = this.#watching;
      watcher.once('ready', () => {
        ctx.log.info({ source_dir: root }, `dirmon: monitoring ${root} for new files`);
        watching.resolve();
      });

      const stop = () => queue.close();
      if (ctx.signal.aborted) stop();
      else ctx.signal.addEventListener('abort', stop, { once: true });
      const closeWatcher = () => {
        ctx.signal.removeEventListener('abort', stop);
        queue.close();
        if (this.#watching === watching) this.#watching = deferred();
        return watcher.close();
      };

      const inner = pullFrom(ctx, payloads(queue, ctx.log)).subscribe({
        next: (payload) => subscriber.next(payload),
        // Complete (or fail) only once the watcher is closed, so nothing watches after the end.
        error: (err: unknown) => void closeWatcher().finally(() => subscriber.error(err)),
        complete: () => void closeWatcher().finally(() => subscriber.complete()),
      });
      return () => {
        inner.unsubscribe();
        void closeWatcher();
      };
    });
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function* payloads(queue: PathQueue, log: Logger): AsyncGenerator<Payload> {
  for await (const path of queue) {
    const payload = await readPayload(path, log);
    if (payload) yield payload;
  }
}

/** A file read when the engine asks for it; one that is gone or unreadable by then is skipped. */
async function readPayload(path: string, log: Logger): Promise<Payload | undefined> {
  try {
    const found = await stat(path);
    if (!found.isFile()) return undefined;
    const content = await readFile(path);
    return new Payload(content, new PayloadMeta({ extra_data: { filename: basename(path), source_dir: dirname(path) } }));
  } catch (err) {
    log.warn({ file: path, err }, `dirmon: skipping ${path}: ${(err as Error).message}`);
    return undefined;
  }
}
