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
 * Run one extraction in its own worker thread. The thread is terminated when `signal` aborts
 * (timeout, cancelled scan, plugin closing), which really stops 7-Zip mid-archive; the promise
 * then rejects with the signal's reason.
 */
export function runExtraction(request: ExtractionRequest, signal: AbortSignal, onStart?: (worker: Worker) => void): Promise<ExtractionOutcome> {
  signal.throwIfAborted();
  return new Promise<ExtractionOutcome>((resolve, reject) => {
    const worker = new Worker(WORKER_URL, {
      workerData: request,
      transferList: [request.input.buffer as ArrayBuffer],
    });
    onStart?.(worker);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      finish(() => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))));
      void worker.terminate();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (outcome: ExtractionOutcome) => {
      finish(() => resolve(outcome));
      void worker.terminate();
    });
    worker.once('error', (err) => finish(() => reject(new Error(`7-Zip worker failed: ${err.message}`))));
    worker.once('exit', (code) => finish(() => reject(new Error(`7-Zip worker exited (code ${code}) without a result`))));
  });
}
