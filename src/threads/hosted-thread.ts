import { Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads';
import { ThreadCrashedError, ThreadOutOfMemoryError, ThreadStartError, ThreadTaskError } from './errors.js';
import type { ErrorShape, FromThread, ThreadBoot, ToThread } from './wire.js';

/** What to send again when a request must move to another thread but its moved buffers are gone. */
export interface ThreadRequest<Req> {
  request: Req;
  transfer: readonly TransferListItem[];
}

/** One request, from `ThreadHost.run` until it settles. */
export interface Job<Req> {
  id: number;
  request: Req;
  transfer: readonly TransferListItem[];
  resolve: (value: never) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  timeoutMs: number | undefined;
  timer: NodeJS.Timeout | undefined;
  /** The thread holding it (until then it waits in the host's queue). */
  thread: HostedThread<Req> | undefined;
  /** Posted to its thread: from then on only terminating the thread takes it back. */
  posted: boolean;
  rebuild: (() => ThreadRequest<Req>) | undefined;
}

/** What a HostedThread tells its host. */
export interface ThreadEvents<Req> {
  /** The job is now the one its thread runs: its time starts. */
  started(job: Job<Req>): void;
  /** The thread answered the job (`err` is its error, rebuilt). */
  answered(job: Job<Req>, err: Error | undefined, value: unknown): void;
  /** The job could not be posted (it does not clone); the thread never saw it. */
  unsent(job: Job<Req>, err: unknown): void;
  /** Jobs left the thread: it may take more, or be idle. */
  changed(thread: HostedThread<Req>): void;
  /** The thread ended on its own: crashed, hit its memory cap, or failed to start. */
  died(thread: HostedThread<Req>, err: Error): void;
}

/**
 * One worker thread of a ThreadHost and the requests handed to it, in order: `jobs[0]` is the
 * one it runs (threads handle requests one after another). Requests handed over in one turn of
 * the event loop are posted together. The thread keeps the process alive only while it has work
 * (or someone waits for it to start or close).
 */
export class HostedThread<Req> {
  readonly name: string;
  readonly jobs: Job<Req>[] = [];
  state: 'starting' | 'ready' | 'closing' | 'gone' = 'starting';
  /** Settles once the thread is ready to serve, or could not start. */
  readonly ready: Promise<void>;
  /** Resolves when the thread has really stopped. */
  readonly exited: Promise<void>;
  readonly #worker: Worker;
  readonly #events: ThreadEvents<Req>;
  #outbox: Job<Req>[] = [];
  readonly #flushSoon = () => this.#flush();
  readonly #resourceLimits: ResourceLimits | undefined;
  #holds = 0;
  #refed = true;
  #markReady!: () => void;
  #failReady!: (err: Error) => void;
  #closing: { resolve: () => void; reject: (err: Error) => void; error?: ErrorShape; answered: boolean } | undefined;

  constructor(entry: string, boot: ThreadBoot, name: string, resourceLimits: ResourceLimits | undefined, events: ThreadEvents<Req>) {
    this.name = name;
    this.#events = events;
    this.#resourceLimits = resourceLimits;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#markReady = resolve;
      this.#failReady = reject;
    });
    this.ready.catch(() => undefined);
    const worker = new Worker(entry, { workerData: boot, name, resourceLimits });
    this.#worker = worker;
    worker.on('message', (msg: FromThread) => this.#onMessage(msg));
    worker.on('error', (err) => this.#ended(err));
    worker.on('messageerror', (err) => this.#ended(err));
    this.exited = new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        resolve();
        this.#ended(code);
      }),
    );
    this.#updateRef();
  }

  /** Hand a job over; it is posted after this turn of the event loop, with the others handed over meanwhile. */
  assign(job: Job<Req>): void {
    job.thread = this;
    this.jobs.push(job);
    if (this.jobs.length === 1) {
      this.#updateRef();
      if (this.state === 'ready') this.#events.started(job);
    }
    this.#outbox.push(job);
    if (this.#outbox.length === 1) setImmediate(this.#flushSoon);
  }

  /** Take back a job the thread has not seen yet (false once it was posted). */
  withdraw(job: Job<Req>): boolean {
    if (job.posted) return false;
    const o = this.#outbox.indexOf(job);
    if (o >= 0) this.#outbox.splice(o, 1);
    const i = this.jobs.indexOf(job);
    if (i >= 0) this.jobs.splice(i, 1);
    if (i === 0 && this.jobs.length > 0 && this.state === 'ready') this.#events.started(this.jobs[0]!);
    this.#updateRef();
    return true;
  }

  /** Remove every job (the thread is being given up). */
  takeAll(): Job<Req>[] {
    this.#outbox = [];
    return this.jobs.splice(0);
  }

  /** Keep the process alive while a caller waits for this thread to be ready. */
  async whenReady(): Promise<void> {
    this.#holds++;
    this.#updateRef();
    try {
      await this.ready;
    } finally {
      this.#holds--;
      this.#updateRef();
    }
  }

  /** Stop the thread now, whatever it is doing. */
  terminate(): Promise<void> {
    this.state = 'gone';
    this.#outbox = [];
    this.#failReady(new ThreadStartError(`thread ${this.name} was terminated before it was ready`));
    this.#closing?.reject(new Error(`thread ${this.name} was terminated while closing`));
    void this.#worker.terminate().catch(() => undefined);
    return this.exited;
  }

  /**
   * Ask the thread to run its module's `close` and exit (it must have no jobs). Resolves once it
   * has exited; rejects with the error of `close`, or if the thread died instead.
   */
  shutdown(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#closing = { resolve, reject, answered: false };
      this.state = 'closing';
      this.#updateRef();
      this.#worker.postMessage({ kind: 'close' } satisfies ToThread);
    });
  }

  #flush(): void {
    const jobs = this.#outbox;
    this.#outbox = [];
    if (this.state === 'gone' || jobs.length === 0) return;
    const batch: unknown[] = new Array(jobs.length * 2);
    const transfer: TransferListItem[] = [];
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      batch[2 * i] = job.id;
      batch[2 * i + 1] = job.request;
      for (const t of job.transfer) transfer.push(t);
    }
    try {
      this.#worker.postMessage({ kind: 'run', batch } satisfies ToThread, transfer);
      for (const job of jobs) job.posted = true;
      return;
    } catch {
      // Something in the batch does not clone: post them one by one so only that request fails.
    }
    for (const job of jobs) {
      try {
        this.#worker.postMessage({ kind: 'run', batch: [job.id, job.request] } satisfies ToThread, job.transfer);
        job.posted = true;
      } catch (err) {
        const i = this.jobs.indexOf(job);
        if (i >= 0) this.jobs.splice(i, 1);
        if (i === 0 && this.jobs.length > 0 && this.state === 'ready') this.#events.started(this.jobs[0]!);
        this.#events.unsent(job, err);
      }
    }
    this.#updateRef();
    this.#events.changed(this);
  }

  #onMessage(msg: FromThread): void {
    if (this.state === 'gone') return;
    switch (msg.kind) {
      case 'replies':
        this.#onReplies(msg.batch);
        return;
      case 'ready':
        if (this.state === 'starting') this.state = 'ready';
        // A request's time counts from when its thread can run it, not while the thread starts.
        if (this.jobs[0]) this.#events.started(this.jobs[0]);
        this.#markReady();
        return;
      case 'failed': {
        const err = new ThreadStartError(msg.error.message);
        this.state = 'gone';
        this.#failReady(err);
        this.#closing?.reject(err);
        this.#events.died(this, err);
        return;
      }
      case 'closed':
        if (this.#closing) {
          this.#closing.answered = true;
          this.#closing.error = msg.error;
        }
        return;
    }
  }

  #onReplies(batch: unknown[]): void {
    const head = this.jobs[0];
    for (let i = 0; i < batch.length; i += 3) {
      const id = batch[i] as number;
      // Answers come in order, so the job is nearly always the first.
      let at = this.jobs[0]?.id === id ? 0 : -1;
      if (at < 0) at = this.jobs.findIndex((j) => j.id === id);
      if (at < 0) continue;
      const job = this.jobs[at]!;
      if (at === 0) this.jobs.shift();
      else this.jobs.splice(at, 1);
      if (batch[i + 1] === true) this.#events.answered(job, undefined, batch[i + 2]);
      else this.#events.answered(job, new ThreadTaskError(batch[i + 2] as ErrorShape), undefined);
    }
    const next = this.jobs[0];
    if (next && next !== head) this.#events.started(next);
    this.#updateRef();
    this.#events.changed(this);
  }

  /** The thread ended: an uncaught error, a memory cap, or it exited. Ignored when we ended it. */
  #ended(cause: Error | number): void {
    if (this.state === 'gone') return;
    const closing = this.#closing;
    if (closing?.answered && typeof cause === 'number') {
      this.state = 'gone';
      if (closing.error) closing.reject(new ThreadTaskError(closing.error));
      else closing.resolve();
      return;
    }
    const why = typeof cause === 'number' ? `it exited with code ${cause}` : cause.message;
    const err =
      this.state === 'starting'
        ? new ThreadStartError(`thread ${this.name} ended before it was ready: ${why}`, { cause })
        : (cause as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new ThreadOutOfMemoryError(this.name, this.#resourceLimits, { cause })
          : new ThreadCrashedError(this.name, why, { cause });
    this.state = 'gone';
    this.#failReady(err);
    closing?.reject(err);
    this.#events.died(this, err);
  }

  #updateRef(): void {
    const wanted = this.jobs.length > 0 || this.#holds > 0 || this.state === 'closing';
    if (wanted === this.#refed) return;
    this.#refed = wanted;
    if (wanted) this.#worker.ref();
    else this.#worker.unref();
  }
}
