import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker as Thread, type ResourceLimits, type TransferListItem } from 'node:worker_threads';
import { RUNNING_FROM_SOURCE } from '../plugin/bundled.js';
import type { ErrorShape, PoolTask, ReplyBatch, TaskMessage } from './protocol.js';
import { isShared } from './shared-bytes.js';

/** Threads cannot load TypeScript: when the sources run (tests), threads run the build. */
const ENTRY = fileURLToPath(new URL(RUNNING_FROM_SOURCE ? '../../dist/src/pool/pool-thread.js' : './pool-thread.js', import.meta.url));

export interface WorkerPoolOptions {
  /** Threads at most; started on demand. Default: the number of cores. */
  size?: number;
  /**
   * Small tasks handed to one thread at a time (default 16): a thread starts its next task
   * without waiting for the caller to read its last answer, and tasks handed over together
   * travel in one message. Tasks still run one by one. Heavy tasks (module calls, digests of
   * 1 MiB or more) only go to a thread with nothing else to do, so none waits behind another.
   */
  tasksPerThread?: number;
  /** Memory caps for each thread (a thread that exceeds them dies; its task fails). */
  resourceLimits?: ResourceLimits;
  /** Thread name prefix, for debuggers and profiles. */
  name?: string;
}

export interface PoolRunOptions {
  /** Aborting it fails the task; a task already running has its thread terminated and replaced. */
  signal?: AbortSignal;
  /** Running time allowed (counted from when the task starts in its thread), then as if aborted. */
  timeoutMs?: number;
}

/** The task ran past `timeoutMs`; its thread was terminated. */
export class PoolTimeoutError extends Error {
  readonly code = 'POOL_TASK_TIMEOUT';
  constructor(ms: number) {
    super(`pool task did not finish within ${ms} ms; its thread was terminated`);
    this.name = 'PoolTimeoutError';
  }
}

/** The pool was closed before the task finished. */
export class PoolClosedError extends Error {
  readonly code = 'POOL_CLOSED';
  constructor() {
    super('the worker pool is closed');
    this.name = 'PoolClosedError';
  }
}

/** An error thrown inside a pool thread, rebuilt on the caller's side. */
export class PoolTaskError extends Error {
  readonly code?: string;
  constructor(shape: ErrorShape) {
    super(shape.message);
    this.name = shape.name;
    if (shape.code !== undefined) this.code = shape.code;
    if (shape.stack) this.stack = shape.stack;
  }
}

interface Job {
  id: number;
  task: PoolTask;
  transfer: readonly TransferListItem[];
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  timeoutMs?: number;
  timer?: NodeJS.Timeout;
  slot?: Slot;
  /** Posted to its thread (until then an abort only takes it back). */
  posted?: boolean;
  /** Rebuilds the task after its thread died: what it transferred went with the thread. */
  remake?: () => { task: PoolTask; transfer: readonly TransferListItem[] };
}

interface Slot {
  thread: Thread;
  /** In the order handed over; the first is the one running (threads run tasks one by one). */
  jobs: Job[];
  /** Handed over in this turn of the event loop and not posted yet: they go in one message (see flush). */
  outbox: Job[];
  gone: boolean;
}

export interface PoolStats {
  size: number;
  threads: number;
  /** Tasks sent to threads and not yet answered. */
  running: number;
  /** Tasks waiting for a thread. */
  queued: number;
  completed: number;
  /** Threads terminated because a task was aborted or timed out, or that died. */
  replaced: number;
}

/**
 * A pool of worker threads for CPU-bound work: digests, and calls of functions exported by
 * ES modules (imported once per thread). `run` is the whole API: a task, the buffers to move
 * rather than copy, and a signal/timeout that terminates and replaces the thread when the task
 * must stop — the only way to stop CPU-bound code. Idle threads do not keep the process alive.
 *
 * Bytes backed by a SharedArrayBuffer (see `allocShared`) are seen by the thread without any copy.
 *
 * @example
 * const pool = new WorkerPool({ size: 2 });
 * const [sha256] = await pool.digest(bytes, ['sha256']);
 * const out = await pool.run({ op: 'call', module: '/abs/task.js', fn: 'work', args: [input] }, [input.buffer], { timeoutMs: 5000 });
 */
export class WorkerPool {
  readonly size: number;
  readonly tasksPerThread: number;
  readonly #options: WorkerPoolOptions;
  readonly #slots: Slot[] = [];
  #queue: Job[] = [];
  #queueHead = 0;
  #nextId = 1;
  #closed = false;
  #completed = 0;
  #replaced = 0;
  #running = 0;

  constructor(options: WorkerPoolOptions = {}) {
    const size = options.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a whole number of at least 1, got ${size}`);
    const perThread = options.tasksPerThread ?? 16;
    if (!Number.isInteger(perThread) || perThread < 1) throw new RangeError(`tasksPerThread must be at least 1, got ${perThread}`);
    this.size = size;
    this.tasksPerThread = perThread;
    this.#options = options;
  }

  get stats(): PoolStats {
    return {
      size: this.size,
      threads: this.#slots.length,
      running: this.#running,
      queued: this.#queue.length - this.#queueHead,
      completed: this.#completed,
      replaced: this.#replaced,
    };
  }

  /**
   * Hex digests of `data`, one per algorithm, computed in a pool thread. Bytes in shared memory
   * are read in place; other bytes are copied once into memory moved to the thread and back
   * (the caller's `data` is never detached).
   */
  digest(data: Uint8Array, algorithms: string[], options?: PoolRunOptions): Promise<string[]> {
    if (isShared(data)) return this.run<string[]>({ op: 'digest', data, algorithms }, [], options);
    const remake = () => {
      const copy = new Uint8Array(data);
      return { task: { op: 'digest', data: copy, algorithms, giveBack: true } as PoolTask, transfer: [copy.buffer] };
    };
    const first = remake();
    return this.#submit<string[]>(first.task, first.transfer, options, remake);
  }

  /** Call `fn` exported by the ES module `module` (absolute path or file URL) in a pool thread. */
  call<T>(module: string | URL, fn: string, args: unknown[], transferList: readonly TransferListItem[] = [], options?: PoolRunOptions): Promise<T> {
    return this.run<T>({ op: 'call', module: module instanceof URL ? module.href : module, fn, args }, transferList, options);
  }

  run<T>(task: PoolTask, transferList: readonly TransferListItem[] = [], options: PoolRunOptions = {}): Promise<T> {
    return this.#submit<T>(task, transferList, options);
  }

  #submit<T>(task: PoolTask, transferList: readonly TransferListItem[], options: PoolRunOptions = {}, remake?: Job['remake']): Promise<T> {
    if (this.#closed) return Promise.reject(new PoolClosedError());
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<T>((resolve, reject) => {
      const job: Job = { id: this.#nextId++, task, transfer: transferList, resolve: resolve as (v: unknown) => void, reject, signal, timeoutMs, remake };
      if (signal) {
        job.onAbort = () => this.#stop(job, abortError(signal));
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Fail every task and terminate every thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const err = new PoolClosedError();
    for (let i = this.#queueHead; i < this.#queue.length; i++) this.#finish(this.#queue[i]!, err);
    this.#queue = [];
    this.#queueHead = 0;
    const slots = this.#slots.splice(0);
    for (const slot of slots) {
      slot.gone = true;
      for (const job of slot.jobs.splice(0)) this.#finish(job, err);
    }
    await Promise.all(slots.map((s) => s.thread.terminate()));
  }

  #pump(): void {
    while (this.#queueHead < this.#queue.length) {
      const job = this.#queue[this.#queueHead]!;
      const slot = this.#pickSlot(job);
      if (!slot) break;
      this.#queue[this.#queueHead++] = undefined as unknown as Job;
      this.#send(slot, job);
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }

  /** An idle thread, else a new one while below size, else (light tasks) the least loaded one with room. */
  #pickSlot(job: Job): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.#slots) {
      if (s.jobs.length === 0) return s;
      if (s.jobs.length < this.tasksPerThread && (!best || s.jobs.length < best.jobs.length)) best = s;
    }
    if (this.#slots.length < this.size) return this.#spawn();
    return isLight(job.task) ? best : undefined;
  }

  #spawn(): Slot {
    const thread = new Thread(ENTRY, {
      name: `${this.#options.name ?? 'rxstoq-pool'}-${this.#slots.length}`,
      resourceLimits: this.#options.resourceLimits,
    });
    const slot: Slot = { thread, jobs: [], outbox: [], gone: false };
    thread.on('message', (replies: ReplyBatch) => this.#onReplies(slot, replies));
    const died = (err: unknown) => {
      if (slot.gone) return;
      this.#retire(slot, err instanceof Error ? err : new Error(`pool thread exited with code ${String(err)}`));
    };
    thread.on('error', died);
    thread.on('exit', died);
    thread.on('messageerror', (err) => died(err));
    thread.unref();
    this.#slots.push(slot);
    return slot;
  }

  #send(slot: Slot, job: Job): void {
    job.slot = slot;
    slot.jobs.push(job);
    this.#running++;
    if (slot.jobs.length === 1) {
      slot.thread.ref();
      this.#started(job);
    }
    slot.outbox.push(job);
    // Flushed after this turn of the event loop, so tasks submitted by different scans in the
    // meantime share the message (posting one can cost more than a small task).
    if (slot.outbox.length === 1) setImmediate(() => this.#flush(slot));
  }

  /** Post every task handed to this thread since the last flush, in one message. */
  #flush(slot: Slot): void {
    const jobs = slot.outbox.splice(0);
    if (slot.gone || jobs.length === 0) return;
    const transfer = jobs.flatMap((j) => j.transfer);
    try {
      slot.thread.postMessage(jobs.map((j): TaskMessage => ({ id: j.id, task: j.task })), transfer);
      for (const j of jobs) j.posted = true;
      return;
    } catch {
      // Something in the batch cannot be cloned: post them one by one so only that task fails.
    }
    for (const job of jobs) {
      try {
        slot.thread.postMessage([{ id: job.id, task: job.task }], job.transfer);
        job.posted = true;
      } catch (err) {
        // Nothing reached the thread, so only this task fails.
        const i = slot.jobs.indexOf(job);
        if (i >= 0) {
          slot.jobs.splice(i, 1);
          this.#running--;
          if (i === 0 && slot.jobs.length > 0) this.#started(slot.jobs[0]!);
        }
        this.#finish(job, err);
      }
    }
    this.#afterChange(slot);
  }

  /** The task is now the one its thread is running: its time starts. */
  #started(job: Job): void {
    if (job.timeoutMs !== undefined && Number.isFinite(job.timeoutMs)) {
      const ms = job.timeoutMs;
      job.timer = setTimeout(() => this.#stop(job, new PoolTimeoutError(ms)), ms);
      job.timer.unref();
    }
  }

  #onReplies(slot: Slot, replies: ReplyBatch): void {
    for (const reply of replies) {
      const i = slot.jobs.findIndex((j) => j.id === reply.id);
      if (i < 0) continue;
      const [job] = slot.jobs.splice(i, 1);
      this.#running--;
      this.#completed++;
      if (reply.ok) this.#finish(job!, undefined, reply.value);
      else this.#finish(job!, new PoolTaskError(reply.error));
      if (i === 0 && slot.jobs.length > 0) this.#started(slot.jobs[0]!);
    }
    this.#afterChange(slot);
  }

  #afterChange(slot: Slot): void {
    if (slot.jobs.length === 0 && !slot.gone) slot.thread.unref();
    this.#pump();
  }

  /** Abort or timeout: waiting tasks just leave the queue; a sent task costs its thread. */
  #stop(job: Job, err: Error): void {
    const slot = job.slot;
    if (!slot) {
      const i = this.#queue.indexOf(job, this.#queueHead);
      if (i >= 0) this.#queue.splice(i, 1);
      this.#finish(job, err);
      return;
    }
    const i = slot.jobs.indexOf(job);
    if (slot.gone || i < 0) return;
    slot.jobs.splice(i, 1);
    this.#running--;
    this.#finish(job, err);
    if (!job.posted) {
      // Still in the outbox: the thread never saw it, so it keeps running what it has.
      slot.outbox.splice(slot.outbox.indexOf(job), 1);
      if (i === 0 && slot.jobs.length > 0) this.#started(slot.jobs[0]!);
      this.#afterChange(slot);
      return;
    }
    this.#retire(slot);
  }

  /**
   * Terminate a thread and forget it. Its running task fails with `err` (a crash) or was failed
   * by the caller (abort); tasks queued behind it never started, so they go back to the queue.
   */
  #retire(slot: Slot, err?: Error): void {
    if (slot.gone) return;
    slot.gone = true;
    this.#replaced++;
    this.#slots.splice(this.#slots.indexOf(slot), 1);
    slot.outbox.length = 0;
    const jobs = slot.jobs.splice(0);
    this.#running -= jobs.length;
    let requeue = jobs;
    if (err && jobs.length > 0) {
      this.#finish(jobs[0]!, err);
      requeue = jobs.slice(1);
    }
    const again: Job[] = [];
    for (const job of requeue) {
      if (job.timer) clearTimeout(job.timer);
      job.timer = undefined;
      job.slot = undefined;
      if (job.posted && job.transfer.length > 0) {
        // Its buffers were moved to the dead thread: run it again only if it can be rebuilt.
        if (!job.remake) {
          this.#finish(job, new PoolTaskError({ name: 'PoolRetryError', message: 'its thread was terminated before it ran, and the buffers it moved there went with it', code: 'POOL_TASK_LOST' }));
          continue;
        }
        const fresh = job.remake();
        job.task = fresh.task;
        job.transfer = fresh.transfer;
      }
      job.posted = false;
      again.push(job);
    }
    this.#queue.splice(this.#queueHead, 0, ...again);
    void slot.thread.terminate().catch(() => undefined);
    if (!this.#closed) this.#pump();
  }

  #finish(job: Job, err: unknown, value?: unknown): void {
    if (job.timer) clearTimeout(job.timer);
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    job.slot = undefined;
    if (err !== undefined) job.reject(err);
    else job.resolve(value);
  }
}

const LIGHT_DIGEST = 1024 * 1024;
const isLight = (task: PoolTask) => task.op === 'digest' && task.data.byteLength < LIGHT_DIGEST;

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error(`pool task aborted: ${String(reason ?? 'aborted')}`), { name: 'AbortError', code: 'ABORT_ERR' });
}
