import { watch, type FSWatcher } from 'chokidar';
import { compileRuleFile, type RuleSet } from './compile.js';

/** What one reload did: a new set in use, or the error that kept the last good one. */
export interface ReloadOutcome {
  file: string;
  ok: boolean;
  /** The hash of the set in use after the reload: the new one, or the kept one when `ok` is false. */
  sha256: string;
  /** The compiler's message, naming file, line and column, when `ok` is false. */
  error?: string;
}

/**
 * One rule file kept compiled while it changes. `current` is replaced only by a set that
 * compiled, in one assignment: a caller that took `current` keeps scanning with that set while
 * a newer one arrives. A rule file (or an included file) that does not compile leaves the last
 * good set in use and marks it `staleError` until a later reload succeeds.
 */
export class LiveRules {
  #current: RuleSet;
  #staleError: string | undefined;
  #watcher: FSWatcher | undefined;
  #watched = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #waiters: Array<(outcome: ReloadOutcome) => void> = [];
  readonly #onOutcome: (outcome: ReloadOutcome, previous: RuleSet) => void;
  reloads = 0;
  failures = 0;

  constructor(initial: RuleSet, onOutcome: (outcome: ReloadOutcome, previous: RuleSet) => void) {
    this.#current = initial;
    this.#onOutcome = onOutcome;
  }

  get current(): RuleSet {
    return this.#current;
  }

  /** The compiler's message while the file on disk does not compile (the set in use is older than the file). */
  get staleError(): string | undefined {
    return this.#staleError;
  }

  /**
   * Watch the rule file and what it includes; resolves once the watcher is armed, so a change
   * made after it is seen. Changes within `debounceMs` of each other cause one reload.
   */
  async watch(debounceMs: number): Promise<void> {
    // persistent: false: a watcher never keeps a process alive (a one-shot `stoq scan` must end).
    const watcher = watch([...this.#current.files], { ignoreInitial: true, persistent: false });
    this.#watcher = watcher;
    for (const f of this.#current.files) this.#watched.add(f);
    watcher.on('all', () => {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.reload(), debounceMs);
      this.#timer.unref();
    });
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', resolve);
      watcher.once('error', reject);
    });
  }

  /**
   * Compile the file again now. Synchronous (the binding has no asynchronous compile): run on
   * the thread that scans, which for this plugin (`isolation: thread`) is not the main thread.
   */
  reload(): ReloadOutcome {
    const previous = this.#current;
    let outcome: ReloadOutcome;
    try {
      const next = compileRuleFile(previous.file);
      this.#current = next;
      this.#staleError = undefined;
      this.reloads++;
      this.#follow(next.files);
      outcome = { file: previous.file, ok: true, sha256: next.sha256 };
    } catch (err) {
      this.#staleError = (err as Error).message;
      this.failures++;
      outcome = { file: previous.file, ok: false, sha256: previous.sha256, error: this.#staleError };
    }
    this.#onOutcome(outcome, previous);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve(outcome);
    return outcome;
  }

  /** Resolves with the outcome of the next reload (for tests and tools that rewrite rules). */
  nextReload(): Promise<ReloadOutcome> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** A reload that adds or drops an `include` changes what is watched. */
  #follow(files: string[]): void {
    if (!this.#watcher) return;
    const wanted = new Set(files);
    const added = files.filter((f) => !this.#watched.has(f));
    const dropped = [...this.#watched].filter((f) => !wanted.has(f));
    if (added.length > 0) this.#watcher.add(added);
    if (dropped.length > 0) this.#watcher.unwatch(dropped);
    this.#watched = wanted;
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#watcher?.close();
    this.#watcher = undefined;
  }
}
