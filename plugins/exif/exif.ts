import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExifTool } from 'exiftool-vendored';
import { WorkerPlugin, WorkerResponse, type CallContext, type Payload, type Request } from 'rxstoq';
import { z } from 'zod';
import { RawJsonTask } from './raw-json-task.js';
import { resolveExecutable } from './spawn-exiftool.js';
import { startExifTool } from './start-exiftool.js';

const OptionsSchema = z.object({
  /** Path (or name on PATH) of an exiftool to run instead of the one bundled with exiftool-vendored. */
  bin: z.string().default(''),
  /** Seconds ExifTool may take to start and answer its first command. */
  start_timeout: z.number().positive().default(30),
});

/**
 * ExifTool's `-j -n` JSON for the payload. One stay-open ExifTool process per plugin instance,
 * started in setup() and ended in close(); payloads go through a private temporary file because
 * the stay-open protocol uses ExifTool's stdin for commands.
 */
export class ExifPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  #exiftool: ExifTool | undefined;

  override async setup(): Promise<void> {
    const bin = this.options.bin.trim();
    try {
      const path = bin ? await resolveExecutable(bin) : undefined;
      const { exiftool, version } = await startExifTool({
        path,
        startSeconds: this.options.start_timeout,
        // The engine's budget for a call (the plugin's `timeout`, else `plugin_timeout`), so ExifTool gives up when the engine does.
        taskSeconds: positiveOr(this.timeoutSeconds, 60),
        log: this.log,
      });
      this.#exiftool = exiftool;
      this.log.debug({ exiftool_version: version, bin: path ?? '(bundled)' }, 'ExifTool started');
    } catch (err) {
      throw new Error(`could not start ExifTool ${bin ? JSON.stringify(bin) : '(bundled)'}: ${(err as Error).message}`, { cause: err });
    }
  }

  override async close(): Promise<void> {
    const exiftool = this.#exiftool;
    this.#exiftool = undefined;
    await exiftool?.end();
  }

  async scan(payload: Payload, _request: Request, ctx: CallContext): Promise<WorkerResponse> {
    const exiftool = this.#exiftool;
    if (!exiftool) throw new Error('ExifTool is not running (the plugin was closed or never set up)');
    ctx.signal.throwIfAborted();
    const dir = await mkdtemp(join(tmpdir(), 'rxstoq-exif-'));
    try {
      // No extension, as upstream's stdin had none: ExifTool identifies the type from content.
      const file = join(dir, 'payload');
      await writeFile(file, payload.content, { mode: 0o600, flag: 'wx', signal: ctx.signal });
      const tags = await untilAborted(
        exiftool.enqueueTask(() => new RawJsonTask(file)),
        ctx.signal,
      );
      if (typeof tags['Error'] === 'string') throw new Error(`ExifTool could not read the payload: ${tags['Error']}`);
      // Upstream read stdin, so ExifTool named the source "-"; a temp path would mean nothing.
      return new WorkerResponse({ results: { ...tags, SourceFile: '-' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** `n` when it is a usable number of seconds (the engine's `timeout` may be 0 or Infinity for none). */
function positiveOr(n: number, fallback: number): number {
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** The task's result, or the abort reason as soon as `signal` fires (the task is left to finish). */
function untilAborted<T>(task: Promise<T>, signal: AbortSignal): Promise<T> {
  // A task abandoned on abort still settles later; never let that become an unhandled rejection.
  task.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    task.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
