import { ExifTool } from 'exiftool-vendored';
import type { Logger } from 'rxstoq';
import { exiftoolFactory } from './spawn-exiftool.js';

export interface StartOptions {
  /** Absolute path of the exiftool to run; undefined for the bundled one. */
  path: string | undefined;
  /** Seconds the process may take to answer its first command. */
  startSeconds: number;
  /** Seconds one payload may take before its process is killed and replaced. */
  taskSeconds: number;
  log: Logger;
}

/**
 * A stay-open ExifTool pool of exactly one process, started and proven to answer (`-ver`)
 * before it is returned. A process that exits or stays silent before its first answer fails
 * the start at once, where the wrapper alone would keep respawning it.
 */
export async function startExifTool({ path, startSeconds, taskSeconds, log }: StartOptions): Promise<{ exiftool: ExifTool; version: string }> {
  let starting = true;
  let startFailed: (err: Error) => void = () => undefined;
  const startFailure = new Promise<never>((_, reject) => {
    startFailed = reject;
  });
  const exiftool = new ExifTool({
    processFactory: exiftoolFactory(path, {
      onError: (err) => (starting ? startFailed(err) : log.error({ err }, `ExifTool process error: ${err.message}`)),
      onExit: (code, signal) => {
        if (starting) startFailed(new Error(`the process exited (${signal ?? `code ${code}`}) before answering`));
        else log.debug({ code, signal }, 'ExifTool process exited');
      },
    }),
    maxProcs: 1,
    spawnTimeoutMillis: startSeconds * 1000,
    // A payload that hangs ExifTool gets its process killed and replaced, not the plugin stuck.
    taskTimeoutMillis: taskSeconds * 1000,
    taskRetries: 0,
    // Recycling the process now and then bounds any leak in ExifTool; it must outlive a task.
    maxProcAgeMillis: Math.max(5 * 60, startSeconds, taskSeconds) * 1000,
    logger: () => batchClusterLogger(log),
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${startSeconds}s`)), startSeconds * 1000);
  });
  const version = exiftool.version();
  version.catch(() => undefined);
  try {
    return { exiftool, version: await Promise.race([version, startFailure, timedOut]) };
  } catch (err) {
    await exiftool.end(false).catch(() => undefined);
    throw err;
  } finally {
    starting = false;
    clearTimeout(timer);
  }
}

/**
 * The ExifTool wrapper (batch-cluster) logs to the console by default; here it logs through the
 * plugin's logger. Its `info` lines are process lifecycle (`BatchCluster.end()` on every close),
 * so they go out at debug; its warnings and errors stay what they are.
 */
function batchClusterLogger(log: Logger) {
  const at =
    (level: 'trace' | 'debug' | 'warn' | 'error') =>
    (msg: string, ...params: unknown[]) => {
      const details = params.find((p): p is object => typeof p === 'object' && p !== null);
      log[level]({ batch_cluster: details }, msg);
    };
  return { trace: at('trace'), debug: at('debug'), info: at('debug'), warn: at('warn'), error: at('error') };
}
