import { fileURLToPath } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import { Semaphore } from '../concurrency/semaphore.js';
import type { FoundPath } from '../io/walk-files.js';
import { RUNNING_FROM_SOURCE } from '../plugin/bundled.js';
import type { Stoq } from '../stoq.js';
import { CliError } from './cli-error.js';
import type { CommonFlags } from './common-options.js';
import type { ProgressBar } from './progress.js';
import { inputFiles } from './scan-file.js';
import type { FromThread, ScanThreadInit, ToThread } from './scan-protocol.js';
import { writeOut } from './write-out.js';

/** Threads cannot load TypeScript: when the sources run (tests), threads run the build. */
const ENTRY = fileURLToPath(new URL(RUNNING_FROM_SOURCE ? '../../dist/src/cli/scan-thread.js' : './scan-thread.js', import.meta.url));

/** Paths per message: enough to make messages rare, few enough to keep every thread busy to the end. */
const BATCH = 32;
/** Batches a thread holds at once: one in work, one waiting, so it never idles between them. */
const BATCHES_PER_THREAD = 2;
/**
 * Heap caps for scan threads. With V8's defaults (sized for a whole machine) each isolate kept
 * growing its heap between collections, and a pipeline per core pushed peak RSS over 300 MB on
 * 100,000 files. A smaller young generation and an old-generation cap (far above what one
 * batch needs) make V8 collect before growing; neither costs measurable CPU.
 */
const HEAP_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 512 };

export interface ThreadedScanOptions {
  threads: number;
  /** Files in work at once, across all threads. */
  concurrency: number;
  flags: CommonFlags;
  addStartDispatch: string[];
  print: boolean;
  progress?: ProgressBar;
  fail: (path: string, message: string) => void;
}

interface Lane {
  thread: Thread;
  outstanding: number;
}

/**
 * `stoq scan DIR` on every core: the main thread walks the inputs and writes NDJSON; each of
 * `threads` worker threads runs a whole scan pipeline (its own Stoq, same options) on batches of
 * paths. Per-file work — reading, dispatching, hashing, serialising — is spread over the cores
 * with one message per batch, instead of one per payload. Output order is completion order, as
 * with one thread. Engine metrics from the threads are replayed on `stoq.metrics`.
 */
export async function scanWithThreads(stoq: Stoq, inputs: string[], options: ThreadedScanOptions): Promise<void> {
  const init: ScanThreadInit = {
    flags: options.flags,
    addStartDispatch: options.addStartDispatch,
    concurrency: Math.max(1, Math.ceil(options.concurrency / options.threads)),
    metrics: stoq.metrics !== undefined,
  };
  const slots = new Semaphore(options.threads * BATCHES_PER_THREAD);
  let failed: Error | undefined;
  const failWith = (err: Error) => {
    failed ??= err;
    // Wake the feeder so it notices.
    slots.release();
  };

  const lanes: Lane[] = [];
  const started = Array.from({ length: options.threads }, () => {
    const thread = new Thread(ENTRY, { workerData: init, stdout: false, stderr: false, resourceLimits: HEAP_LIMITS });
    const lane: Lane = { thread, outstanding: 0 };
    lanes.push(lane);
    let ended = false;
    const ready = new Promise<void>((resolve, reject) => {
      thread.on('message', (msg: FromThread) => {
        if (msg.type === 'ready') return resolve();
        if (msg.type === 'fatal') {
          const err = new CliError(msg.message);
          reject(err);
          return failWith(err);
        }
        void onDone(lane, msg).catch((err: Error) => failWith(err));
      });
      thread.once('error', (err) => {
        reject(err);
        failWith(new CliError(`a scan thread failed: ${err.message}`));
      });
    });
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    void exited.then(() => {
      if (!ended && !failed) failWith(new CliError('a scan thread exited unexpectedly'));
    });
    return { lane, ready, exited, end: () => (ended = true) };
  });

  async function onDone(lane: Lane, msg: Extract<FromThread, { type: 'done' }>): Promise<void> {
    if (msg.metrics && stoq.metrics) {
      for (const [plugin, seconds, outcome] of msg.metrics.calls) stoq.metrics.pluginCall(plugin, seconds, outcome);
      for (const r of msg.metrics.requests) {
        stoq.metrics.requestStarted();
        stoq.metrics.requestFinished(r);
      }
    }
    for (const f of msg.failures) options.fail(f.path, f.message);
    // The slot frees only once the lines are written: a slow reader of stdout slows the scan.
    if (options.print && msg.text) await writeOut(process.stdout, msg.text);
    options.progress?.tick(msg.bytes, msg.files);
    lane.outstanding--;
    slots.release();
  }

  try {
    try {
      await Promise.all(started.map((s) => s.ready));
    } catch (err) {
      throw err instanceof CliError ? err : new CliError(`a scan thread failed to start: ${(err as Error).message}`);
    }
    const walk = inputFiles(inputs, (path, err) => options.fail(path, (err as NodeJS.ErrnoException).code ?? err.message));
    for (;;) {
      await slots.acquire();
      if (failed) break;
      const batch: FoundPath[] = [];
      while (batch.length < BATCH) {
        const next = await walk.next();
        if (next.done) break;
        batch.push(next.value);
      }
      if (batch.length === 0) {
        slots.release();
        break;
      }
      const lane = lanes.reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
      lane.outstanding++;
      lane.thread.postMessage({ type: 'files', paths: batch } satisfies ToThread);
    }
    // Every permit back means every batch in work is done (a failure hands one back early).
    for (let i = 0; i < options.threads * BATCHES_PER_THREAD && !failed; i++) await slots.acquire();
    if (failed) throw failed;
    for (const s of started) {
      s.end();
      s.lane.thread.postMessage({ type: 'end' } satisfies ToThread);
    }
    await Promise.all(started.map((s) => s.exited));
  } finally {
    if (failed) await Promise.all(lanes.map((l) => l.thread.terminate()));
  }
}
