import { Semaphore } from '../concurrency/semaphore.js';
import type { FoundPath } from '../io/walk-files.js';
import type { Stoq } from '../stoq.js';
import { ThreadHost } from '../threads/thread-host.js';
import { CliError } from './cli-error.js';
import type { CommonFlags } from './common-options.js';
import type { ProgressBar } from './progress.js';
import { inputFiles } from './scan-file.js';
import type { BatchResult, ScanBatch, ScanThreadInit } from './scan-protocol.js';
import { writeOut } from './write-out.js';

const SCAN_THREAD = new URL('./scan-thread.js', import.meta.url);

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

/**
 * `stoq scan DIR` on every core: the main thread walks the inputs and writes NDJSON; each of
 * `threads` worker threads (a ThreadHost serving scan-thread.ts) runs a whole scan pipeline —
 * its own Stoq, same options — on batches of paths. Per-file work — reading, dispatching,
 * hashing, serialising — is spread over the cores with one message per batch, instead of one
 * per payload. Output order is completion order, as with one thread. Engine metrics from the
 * threads are replayed on `stoq.metrics`.
 */
export async function scanWithThreads(stoq: Stoq, inputs: string[], options: ThreadedScanOptions): Promise<void> {
  const init: ScanThreadInit = {
    flags: options.flags,
    addStartDispatch: options.addStartDispatch,
    concurrency: Math.max(1, Math.ceil(options.concurrency / options.threads)),
    metrics: stoq.metrics !== undefined,
  };
  const threads = new ThreadHost<ScanBatch, BatchResult>({
    module: SCAN_THREAD,
    data: init,
    name: 'stoq-scan',
    size: options.threads,
    depth: BATCHES_PER_THREAD,
    resourceLimits: HEAP_LIMITS,
  });
  const slots = new Semaphore(options.threads * BATCHES_PER_THREAD);
  let failed: Error | undefined;
  let closed = false;
  const failWith = (err: Error) => {
    failed ??= err;
    // Wake the feeder so it notices.
    slots.release();
  };

  async function onDone(result: BatchResult): Promise<void> {
    if (result.metrics && stoq.metrics) {
      for (const [plugin, seconds, outcome] of result.metrics.calls) stoq.metrics.pluginCall(plugin, seconds, outcome);
      for (const r of result.metrics.requests) {
        stoq.metrics.requestStarted();
        stoq.metrics.requestFinished(r);
      }
    }
    for (const f of result.failures) options.fail(f.path, f.message);
    // The slot frees only once the lines are written: a slow reader of stdout slows the scan.
    if (options.print && result.text) await writeOut(process.stdout, result.text);
    options.progress?.tick(result.bytes, result.files);
    slots.release();
  }

  try {
    try {
      // Every thread builds its Stoq first: a bad option fails the scan once, with its own message.
      await threads.start(options.threads);
    } catch (err) {
      throw new CliError((err as Error).message);
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
      threads
        .run(batch)
        .then(onDone, (err: Error) => {
          throw new CliError(`a scan thread failed: ${err.message}`);
        })
        .catch(failWith);
    }
    // Every permit back means every batch in work is done (a failure hands one back early).
    for (let i = 0; i < options.threads * BATCHES_PER_THREAD && !failed; i++) await slots.acquire();
    if (failed) throw failed;
    // Each thread closes its Stoq (connectors flush) and exits.
    await threads.shutdown().catch((err: Error) => {
      throw new CliError(`a scan thread failed to close: ${err.message}`);
    });
    closed = true;
  } finally {
    if (!closed) await threads.close();
  }
}
