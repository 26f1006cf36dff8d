import { watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
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
  #watchers = new Map<string, FSWatcher>();
  #debounceMs: number | undefined;
  #files = new Set<string>();
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
   * Watch the rule file and what it includes; a change made after this returns is seen.
   * Changes within `debounceMs` of each other cause one reload.
   *
   * The folders are watched, not the files: a file replaced by a rename (how editors and deploy
   * tools write) is a new inode, and a watch on the old one misses the next replacement. And
   * Node's own `fs.watch`, not chokidar: chokidar 5 throttles a path's events, and of four
   * replacements 40 ms apart reported two — the last one, the one that matters, was lost.
   */
  watch(debounceMs: number): void {
    this.#debounceMs = debounceMs;
    this.#follow(this.#current.files);
  }

  #watchDir(dir: string): void {
    // persistent: false: a watcher never keeps a process alive (a one-shot `stoq scan` must end).
    const watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name !== null && !this.#files.has(join(dir, name.toString()))) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.reload(), this.#debounceMs);
      this.#timer.unref();
    });
    // A folder that goes away ends its watch; the kept rules stay in use.
    watcher.on('error', () => this.#watchers.delete(dir));
    this.#watchers.set(dir, watcher);
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

  /** A reload that adds an `include` from another folder watches that folder too. */
  #follow(files: string[]): void {
    if (this.#debounceMs === undefined) return;
    this.#files = new Set(files);
    for (const dir of new Set(files.map((f) => dirname(f)))) if (!this.#watchers.has(dir)) this.#watchDir(dir);
  }

  close(): void {
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    this.#debounceMs = undefined;
  }
}
