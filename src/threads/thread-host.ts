import { availableParallelism } from 'node:os';
import type { ResourceLimits, TransferListItem } from 'node:worker_threads';
import { ThreadClosedError, ThreadStartError, ThreadTaskLostError, ThreadTimeoutError } from './errors.js';
import { HostedThread, type Job, type ThreadRequest, type ThreadEvents } from './hosted-thread.js';
import { runnableModule } from './runnable-module.js';
import type { ThreadBoot } from './wire.js';

export type { ThreadRequest } from './hosted-thread.js';

export interface ThreadHostOptions<Req> {
  /** The thread module (path or file URL): what each thread runs, see `ThreadModule`. */
  module: string | URL;
  /** Given to the module's `setup` in every thread (cloned; SharedArrayBuffers are shared). */
  data?: unknown;
  /** Names the threads (`name-0`, `name-1`, …) and the host in error messages. */
  name: string;
  /** Threads at most, started on demand. Default: the number of cores. `Infinity`: one per request in progress. */
  size?: number;
  /**
   * Requests one thread holds at once (default 1). Above 1, a thread starts its next request
   * without waiting for the host to read its last answer, and requests handed over together
   * travel in one message. A thread still runs them one after another.
   */
  depth?: number;
  /** Idle threads kept for later requests (default: all); past that, a thread that goes idle ends. */
  keepIdle?: number;
  /**
   * Whether a request may wait behind another one in a busy thread (default: yes). Requests that
   * may not (long ones) wait in the host for an idle thread, so none is stuck behind them.
   */
  canWait?: (request: Req) => boolean;
  /** Memory caps for each thread: a thread that exceeds them dies and its request fails. */
  resourceLimits?: ResourceLimits;
}

export interface ThreadRunOptions<Req> {
  /** Aborting it fails the request; a request its thread has already seen costs that thread (terminated, replaced on demand). */
  signal?: AbortSignal;
  /**
   * Running time allowed, counted from when the request starts in its thread (a thread's own
   * start is not counted); then as if aborted, failing with ThreadTimeoutError.
   */
  timeoutMs?: number;
  /**
   * The request moves buffers (`transfer`) and may have to be sent again if the thread holding
   * it is terminated before running it: this rebuilds it (else it fails with ThreadTaskLostError).
   */
  rebuild?: () => ThreadRequest<Req>;
}

export interface ThreadHostStats {
  size: number;
  /** Threads started and not ended. */
  threads: number;
  /** Threads with requests in hand. */
  busy: number;
  /** Threads terminated that have not stopped yet. */
  stopping: number;
  /** Requests handed to threads and not answered yet. */
  running: number;
  /** Requests waiting for a thread. */
  queued: number;
  completed: number;
  /** Threads terminated because a request was aborted or timed out, or that died. */
  replaced: number;
}

const NO_TRANSFER: readonly TransferListItem[] = Object.freeze([]);
let entry: string | undefined;

/**
 * Worker threads running one thread module, and the requests they serve. It owns everything
 * about the threads: starting them (on demand, or up front with `start`), a request/answer
 * protocol with ids and batching, timeouts and aborts (the thread is terminated — the only way to
 * stop CPU-bound code — and replaced on demand), crashes (the running request fails with a
 * ThreadCrashedError, those queued behind it go to another thread; nothing hangs), memory caps,
 * transfer lists both ways, and ending (`close` terminates, `shutdown` lets the module clean up).
 * Idle threads do not keep the process alive. Users keep only their own concerns: what a request
 * is, and what to do with its answer.
 *
 * @example
 * // sum-thread.mjs: export function handle(numbers) { return numbers.reduce((a, b) => a + b, 0); }
 * const host = new ThreadHost<number[], number>({ module: new URL('./sum-thread.mjs', import.meta.url), name: 'sum', size: 2 });
 * const total = await host.run([1, 2, 3], [], { timeoutMs: 1000 });
 * await host.close();
 */
export class ThreadHost<Req, Res> {
  readonly name: string;
  readonly size: number;
  readonly depth: number;
  readonly keepIdle: number;
  readonly #entry: string;
  readonly #boot: ThreadBoot;
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #canWait: (request: Req) => boolean;
  readonly #threads: HostedThread<Req>[] = [];
  readonly #stopping = new Set<HostedThread<Req>>();
  #queue: Job<Req>[] = [];
  #queueHead = 0;
  #nextId = 1;
  #spawned = 0;
  #accepting = true;
  #closed = false;
  #completed = 0;
  #replaced = 0;
  #running = 0;
  #whenSettled: Array<() => void> = [];

  constructor(options: ThreadHostOptions<Req>) {
    const { name } = options;
    if (typeof name !== 'string' || name === '') throw new TypeError('a ThreadHost needs a name');
    const size = options.size ?? availableParallelism();
    if (size !== Infinity && (!Number.isInteger(size) || size < 1)) throw new RangeError(`${name}: size must be a whole number of at least 1, got ${size}`);
    const depth = options.depth ?? 1;
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`${name}: depth must be a whole number of at least 1, got ${depth}`);
    const keepIdle = options.keepIdle ?? Infinity;
    if (keepIdle !== Infinity && (!Number.isInteger(keepIdle) || keepIdle < 0))
      throw new RangeError(`${name}: keepIdle must be a whole number, got ${keepIdle}`);
    this.name = name;
    this.size = size;
    this.depth = depth;
    this.keepIdle = keepIdle;
    this.#entry = entry ??= runnableModule(new URL('./thread-main.js', import.meta.url));
    this.#boot = { module: runnableModule(options.module), data: options.data };
    this.#resourceLimits = options.resourceLimits;
    this.#canWait = options.canWait ?? (() => true);
  }

  get stats(): ThreadHostStats {
    let busy = 0;
    for (const t of this.#threads) if (t.jobs.length > 0) busy++;
    return {
      size: this.size,
      threads: this.#threads.length,
      busy,
      stopping: this.#stopping.size,
      running: this.#running,
      queued: this.#queue.length - this.#queueHead,
      completed: this.#completed,
      replaced: this.#replaced,
    };
  }

  /** Handle `request` in a thread; `transfer` lists buffers to move there rather than copy. */
  run(request: Req, transfer: readonly TransferListItem[] = NO_TRANSFER, options?: ThreadRunOptions<Req>): Promise<Res> {
    if (!this.#accepting) return Promise.reject(new ThreadClosedError(this.name));
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<Res>((resolve, reject) => {
      const job: Job<Req> = {
        id: this.#nextId++,
        request,
        transfer,
        resolve: resolve as (value: never) => void,
        reject,
        signal,
        onAbort: undefined,
        timeoutMs: options?.timeoutMs,
        timer: undefined,
        thread: undefined,
        posted: false,
        rebuild: options?.rebuild,
      };
      if (signal) {
        job.onAbort = () => this.#stop(job, abortError(signal));
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  /**
   * Start threads now, up to `count` (at most `size`), and wait until each has run its module's
   * `setup`: errors there surface here, as a ThreadStartError with the thread's own message.
   */
  async start(count = 1): Promise<void> {
    if (!this.#accepting) throw new ThreadClosedError(this.name);
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`${this.name}: start needs a whole number of threads, got ${count}`);
    while (this.#threads.length < Math.min(count, this.size)) this.#spawn();
    await Promise.all(this.#threads.slice(0, count).map((t) => t.whenReady()));
  }

  /** Fail every request still in hand (ThreadClosedError) and terminate every thread; resolves once all have stopped. */
  async close(): Promise<void> {
    this.#accepting = false;
    if (!this.#closed) {
      this.#closed = true;
      const err = new ThreadClosedError(this.name);
      const queued = this.#queue;
      const from = this.#queueHead;
      this.#queue = [];
      this.#queueHead = 0;
      for (let i = from; i < queued.length; i++) this.#finish(queued[i]!, err);
      for (const thread of this.#threads.splice(0)) {
        const jobs = thread.takeAll();
        this.#running -= jobs.length;
        for (const job of jobs) this.#finish(job, err);
        this.#terminate(thread);
      }
      this.#settle();
    }
    await Promise.all([...this.#stopping].map((t) => t.exited));
  }

  /**
   * End gracefully: refuse new requests, wait for those in hand, then let each thread run its
   * module's `close` and exit. Rejects with the first error of a `close`, or of a thread that died.
   */
  async shutdown(): Promise<void> {
    this.#accepting = false;
    if (this.#running + this.#queue.length - this.#queueHead > 0) await new Promise<void>((resolve) => this.#whenSettled.push(resolve));
    if (this.#closed) return;
    this.#closed = true;
    const threads = [...this.#threads];
    const results = await Promise.allSettled(threads.map((t) => t.shutdown()));
    for (const t of threads) {
      const i = this.#threads.indexOf(t);
      if (i >= 0) this.#threads.splice(i, 1);
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  readonly #events: ThreadEvents<Req> = {
    started: (job) => {
      const ms = job.timeoutMs;
      if (ms !== undefined && Number.isFinite(ms) && !job.timer) {
        job.timer = setTimeout(this.#onTimeout, ms, job);
        job.timer.unref();
      }
    },
    answered: (job, err, value) => {
      this.#running--;
      this.#completed++;
      this.#finish(job, err, value);
    },
    unsent: (job, err) => {
      this.#running--;
      this.#finish(job, err);
    },
    changed: (thread) => {
      this.#pump();
      if (thread.jobs.length === 0 && thread.state !== 'gone' && this.keepIdle !== Infinity) this.#trimIdle(thread);
    },
    died: (thread, err) => this.#retire(thread, err),
  };

  readonly #onTimeout = (job: Job<Req>) => this.#stop(job, new ThreadTimeoutError(this.name, job.timeoutMs!));

  #pump(): void {
    while (this.#queueHead < this.#queue.length) {
      const job = this.#queue[this.#queueHead]!;
      const thread = this.#pick(job);
      if (!thread) break;
      this.#queue[this.#queueHead++] = undefined as unknown as Job<Req>;
      this.#running++;
      thread.assign(job);
    }
    if (this.#queueHead === this.#queue.length) {
      if (this.#queueHead > 0) {
        this.#queue.length = 0;
        this.#queueHead = 0;
      }
    } else if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }

  /** An idle thread, else a new one while below size, else (requests that may wait) the least loaded one with room. */
  #pick(job: Job<Req>): HostedThread<Req> | undefined {
    let best: HostedThread<Req> | undefined;
    for (const t of this.#threads) {
      if (t.state === 'closing') continue;
      const n = t.jobs.length;
      if (n === 0) return t;
      if (n < this.depth && (!best || n < best.jobs.length)) best = t;
    }
    if (this.#threads.length < this.size) return this.#spawn();
    return best && this.#canWait(job.request) ? best : undefined;
  }

  #spawn(): HostedThread<Req> {
    const thread = new HostedThread<Req>(this.#entry, this.#boot, `${this.name}-${this.#spawned++}`, this.#resourceLimits, this.#events);
    this.#threads.push(thread);
    return thread;
  }

  /** A thread went idle: it ends if more than `keepIdle` threads are idle. */
  #trimIdle(thread: HostedThread<Req>): void {
    let idle = 0;
    for (const t of this.#threads) if (t.jobs.length === 0) idle++;
    const at = this.#threads.indexOf(thread);
    if (idle <= this.keepIdle || at < 0) return;
    this.#threads.splice(at, 1);
    this.#terminate(thread);
  }

  /** Abort or timeout: a request no thread has seen just leaves; one a thread has seen costs that thread. */
  #stop(job: Job<Req>, err: Error): void {
    const thread = job.thread;
    if (!thread) {
      const i = this.#queue.indexOf(job, this.#queueHead);
      if (i >= 0) this.#queue.splice(i, 1);
      this.#finish(job, err);
      return;
    }
    if (thread.withdraw(job)) {
      this.#running--;
      this.#finish(job, err);
      this.#events.changed(thread);
      return;
    }
    const i = thread.jobs.indexOf(job);
    if (i < 0) return;
    thread.jobs.splice(i, 1);
    this.#running--;
    this.#finish(job, err);
    this.#retire(thread);
  }

  /**
   * Give a thread up and terminate it. When it died (`err`) its running request fails with that
   * error — all of its requests when it never started, as a new thread would fail them the same
   * way. Requests queued behind never ran, so they go back to the front of the queue.
   */
  #retire(thread: HostedThread<Req>, err?: Error): void {
    const at = this.#threads.indexOf(thread);
    if (at < 0) return;
    this.#threads.splice(at, 1);
    this.#replaced++;
    const jobs = thread.takeAll();
    this.#running -= jobs.length;
    this.#terminate(thread);
    let requeue = jobs;
    if (err instanceof ThreadStartError) {
      for (const job of jobs) this.#finish(job, err);
      requeue = [];
    } else if (err && jobs.length > 0) {
      this.#finish(jobs[0]!, err);
      requeue = jobs.slice(1);
    }
    const again: Job<Req>[] = [];
    for (const job of requeue) {
      if (job.timer) clearTimeout(job.timer);
      job.timer = undefined;
      job.thread = undefined;
      if (job.posted && job.transfer.length > 0) {
        if (!job.rebuild) {
          this.#finish(job, new ThreadTaskLostError(this.name));
          continue;
        }
        const fresh = job.rebuild();
        job.request = fresh.request;
        job.transfer = fresh.transfer;
      }
      job.posted = false;
      again.push(job);
    }
    if (again.length > 0) this.#queue.splice(this.#queueHead, 0, ...again);
    if (!this.#closed) this.#pump();
    this.#settle();
  }

  #terminate(thread: HostedThread<Req>): void {
    this.#stopping.add(thread);
    void thread.terminate().then(() => this.#stopping.delete(thread));
  }

  #finish(job: Job<Req>, err: unknown, value?: unknown): void {
    if (job.timer) {
      clearTimeout(job.timer);
      job.timer = undefined;
    }
    if (job.onAbort) job.signal!.removeEventListener('abort', job.onAbort);
    job.thread = undefined;
    if (err !== undefined) job.reject(err);
    else job.resolve(value as never);
    if (this.#whenSettled.length > 0) this.#settle();
  }

  /** Wake `shutdown` once no request is in hand. */
  #settle(): void {
    if (this.#whenSettled.length === 0 || (this.#running + this.#queue.length - this.#queueHead > 0 && !this.#closed)) return;
    for (const resolve of this.#whenSettled.splice(0)) resolve();
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error(`request aborted: ${String(reason ?? 'aborted')}`), { name: 'AbortError', code: 'ABORT_ERR' });
}
