/**
 * Paths announced by the watcher, waiting for the engine to ask for them. Pushing never blocks
 * (events cannot be refused); `next()` waits for a path or for `close()`.
 */
export class PathQueue implements AsyncIterable<string> {
  readonly #paths: string[] = [];
  readonly #queued = new Set<string>();
  #wake: (() => void) | undefined;
  #closed = false;

  push(path: string): void {
    if (this.#closed || this.#queued.has(path)) return;
    this.#queued.add(path);
    this.#paths.push(path);
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  get closed(): boolean {
    return this.#closed;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    for (;;) {
      const path = this.#paths.shift();
      if (path !== undefined) {
        this.#queued.delete(path);
        yield path;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}
