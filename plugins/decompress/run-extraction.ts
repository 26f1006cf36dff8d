import { ThreadHost } from 'rxstoq';

/** A compiled `WebAssembly.Module` (opaque here; worker threads accept it in workerData). */
export type WasmModule = object;

export interface ExtractionRequest {
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

/**
 * The threads 7-Zip runs in (a ThreadHost serving extract-worker.mjs). A thread serves one
 * archive at a time and, once done, waits for the next (starting a thread costs more than most
 * archives take to extract); a thread whose job is aborted (timeout, cancelled scan, plugin
 * closing) is terminated, which really stops 7-Zip mid-archive, and is never reused.
 */
export class ExtractionThreads {
  readonly #host: ThreadHost<ExtractionRequest, ExtractionOutcome>;

  /** `maxIdle`: threads kept waiting for the next archive; `heapMb`: each thread's V8 heap cap. */
  constructor(wasmModule: WasmModule, maxIdle: number, heapMb: number) {
    this.#host = new ThreadHost({
      module: new URL('./extract-worker.mjs', import.meta.url),
      data: { wasmModule },
      name: 'decompress-7zip',
      size: Infinity,
      keepIdle: maxIdle,
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
  }

  /** Threads with a job in progress, or terminated and not stopped yet. */
  get running(): number {
    const { busy, stopping } = this.#host.stats;
    return busy + stopping;
  }

  /** Extract one archive; rejects with the signal's reason when it aborts first. */
  run(request: ExtractionRequest, signal: AbortSignal): Promise<ExtractionOutcome> {
    return this.#host.run(request, [request.input.buffer as ArrayBuffer], { signal });
  }

  close(): Promise<void> {
    return this.#host.close();
  }
}
