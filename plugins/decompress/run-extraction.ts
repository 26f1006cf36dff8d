import { Worker } from 'node:worker_threads';

/** A compiled `WebAssembly.Module` (opaque here; worker threads accept it in workerData). */
export type WasmModule = object;

export interface ExtractionRequest {
  wasmModule: WasmModule;
  /** The archive bytes; this copy is transferred to the worker thread, not cloned. */
  input: Uint8Array;
  fileName: string;
  passwords: string[];
  /** Largest member, in bytes. */
  maxSize: number;
  /** Largest total of all members, in bytes. */
  maxTotal: number;
  /** A 7-Zip format name (`-t`), when the payload says which archiver to use. */
  archiveType?: string;
}

export interface ExtractionOutcome {
  status: 'extracted' | 'not-archive' | 'failed';
  members: Array<{ path: string; data: Uint8Array }>;
  /** Members that grew past the size limit while being written; their bytes were dropped. */
  oversize: string[];
  /** Members left out before extracting: the listing gave a size over maxSize, or past maxTotal. */
  refused: Array<{ path: string; size: number; reason: 'member' | 'total' }>;
  /** 7-Zip was stopped while writing `path`: it grew past maxSize, or all output past maxTotal. */
  stopped?: { path: string; reason: 'member' | 'total' };
  /** 7-Zip's error lines, when it failed. */
  problems: string[];
  /** Things 7-Zip skipped on purpose (links pointing outside the archive). */
  notes: string[];
  password?: string;
}

const WORKER_URL = new URL('./extract-worker.mjs', import.meta.url);

/**
 * The threads 7-Zip runs in. A thread serves one archive at a time and, once done, waits for
 * the next (starting a thread costs more than most archives take to extract); a thread whose job
 * is aborted (timeout, cancelled scan, plugin closing) is terminated, which really stops 7-Zip
 * mid-archive, and is never reused.
 */
export class ExtractionThreads {
  readonly #idle: Worker[] = [];
  /** Threads with a job in progress, or being terminated. */
  readonly running = new Set<Worker>();
  #closed = false;

  constructor(
    private readonly wasmModule: WasmModule,
    private readonly maxIdle: number,
  ) {}

  /** Extract one archive; rejects with the signal's reason when it aborts first. */
  run(request: Omit<ExtractionRequest, 'wasmModule'>, signal: AbortSignal): Promise<ExtractionOutcome> {
    signal.throwIfAborted();
    if (this.#closed) throw new Error('decompress is closed');
    const worker = this.#idle.pop() ?? new Worker(WORKER_URL, { workerData: { wasmModule: this.wasmModule } });
    worker.ref();
    this.running.add(worker);
    return new Promise<ExtractionOutcome>((resolve, reject) => {
      const done = (reuse: boolean) => {
        signal.removeEventListener('abort', onAbort);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (reuse && !this.#closed && this.#idle.length < this.maxIdle) {
          this.running.delete(worker);
          worker.unref();
          this.#idle.push(worker);
        } else {
          // Counted as running until it has really exited.
          void worker.terminate().finally(() => this.running.delete(worker));
        }
      };
      const onAbort = () => {
        done(false);
        reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      };
      const onMessage = (outcome: ExtractionOutcome) => {
        done(true);
        resolve(outcome);
      };
      const onError = (err: Error) => {
        done(false);
        reject(new Error(`7-Zip worker failed: ${err.message}`));
      };
      const onExit = (code: number) => {
        done(false);
        reject(new Error(`7-Zip worker exited (code ${code}) without a result`));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage(request, [request.input.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#idle.splice(0), ...this.running].map((w) => w.terminate()));
  }
}
