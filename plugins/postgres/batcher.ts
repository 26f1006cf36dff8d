/**
 * Collects items into batches (at most `size`, or whatever arrived within `delayMs` of the first)
 * and hands each batch to `write`, one batch at a time. `add()` settles when the batch holding its
 * item was written (or failed). At most `maxBuffered` items are queued or being written; `add()`
 * waits for room beyond that.
 */
export class Batcher<T> {
  #pending: Array<Entry<T>> = [];
  #waiters: Array<() => void> = [];
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly size: number,
    private readonly delayMs: number,
    private readonly maxBuffered: number,
  ) {}

  get buffered(): number {
    return this.#pending.length + this.#inFlight;
  }

  async add(item: T, signal?: AbortSignal): Promise<void> {
    while (this.buffered >= this.maxBuffered) await this.#room(signal);
    if (this.#closed) throw new Error('postgres: the connector is closed');
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const entry: Entry<T> = { item, resolve, reject };
      this.#pending.push(entry);
      if (signal) {
        // Still waiting for its batch: leave it and give up. Once the batch is being written the
        // outcome is the database's, and is reported as it comes.
        const onAbort = () => {
          const i = this.#pending.indexOf(entry);
          if (i < 0) return;
          this.#pending.splice(i, 1);
          this.#wake();
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.done = () => signal.removeEventListener('abort', onAbort);
      }
      this.#schedule();
    });
  }

  #room(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#closed) return Promise.reject(new Error('postgres: the connector is closed'));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        reject(signal!.reason);
      };
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(wake);
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #schedule(): void {
    if (this.#writing || this.#pending.length === 0) return;
    if (this.#pending.length >= this.size || this.#closed) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#writing = this.#drain();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (!this.#writing) this.#writing = this.#drain();
      }, this.delayMs);
    }
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.size);
      this.#inFlight += batch.length;
      try {
        await this.write(batch.map((e) => e.item));
        for (const e of batch) settle(e, undefined);
      } catch (err) {
        for (const e of batch) settle(e, err);
      } finally {
        this.#inFlight -= batch.length;
        this.#wake();
      }
      // A partial batch waits for more, unless closing.
      if (this.#pending.length < this.size && !this.#closed) break;
    }
    this.#writing = undefined;
    this.#schedule();
  }

  /** Writes what is queued now and waits for it; later add() calls are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake();
    this.#schedule();
    while (this.#writing) await this.#writing;
  }
}

interface Entry<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
  done?: () => void;
}

function settle<T>(entry: Entry<T>, err: unknown): void {
  entry.done?.();
  if (err === undefined) entry.resolve();
  else entry.reject(err);
}
