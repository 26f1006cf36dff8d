import { formatError } from '../../src/exceptions.js';
import { StoqError } from '../../src/model/stoq-error.js';
import type { Worker } from '../../src/plugin/base-plugin.js';
import type { MaybePromise } from './maybe-async.js';
import type { PayloadNode, ScanContext } from './scan-context.js';

/** One worker to run on one payload, in the dependency wave it was scheduled in. */
export interface WorkTask {
  node: PayloadNode;
  worker: Worker;
  /** 0 for the first workers asked for; one more than the latest wave of the workers it required. */
  wave: number;
}

class DependencyError extends Error {
  readonly code = 'DEPENDENCY_ERROR';
  constructor(message: string) {
    super(message);
    // Upstream's name for it (a Python RecursionError); error strings keep it.
    this.name = 'RecursionError';
  }
}

const cancelReason = (signal: AbortSignal) => {
  const r = signal.reason as { message?: string } | undefined;
  return `the request was cancelled (${r?.message ?? String(r)})`;
};

const cancelCode = (signal: AbortSignal) => {
  const code = (signal.reason as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'REQUEST_CANCELLED';
};

/** Record that a payload was not scanned because its request was cancelled. */
export function recordCancelled(ctx: ScanContext, node: PayloadNode): void {
  ctx.request.errors.push(new StoqError(`Payload not scanned: ${cancelReason(ctx.signal)}`, null, node.payload.payload_id, cancelCode(ctx.signal)));
}

/**
 * The bookkeeping of one payload's scan: which workers were asked for (by start dispatch,
 * dispatchers, `dispatch_to`), which are running, which may start now because the workers they
 * require have run, and when the payload is quiet. It decides; the operators in scan-payload.ts
 * run what it decides. There is no round barrier: a worker starts the moment its requirements
 * have run on this payload.
 */
const NO_TASKS: WorkTask[] = [];

export class WorkPlan {
  /** Dispatcher errors already recorded for this payload: each distinct one is kept once (UD-08). */
  get reportedDispatchErrors(): Set<string> {
    return (this.#reported ??= new Set());
  }
  #reported: Set<string> | undefined;
  /** name → the dependency wave in which it was asked for */
  readonly #requested = new Map<string, number>();
  /** Names that failed to load or resolve: reported once, never retried on this payload. */
  // Made on first failure: most payloads never have one.
  #failed: Set<string> | undefined;
  readonly #waves = new Map<string, number>();
  readonly #running = new Set<string>();
  #loading = 0;
  /** Workers found unloaded by the last `#collect` (kept, and empty, between calls). */
  #missing: Set<string> | undefined;
  #maxWave = 0;
  #workedSinceDispatch = false;

  constructor(
    readonly ctx: ScanContext,
    readonly node: PayloadNode,
  ) {}

  ask(names: readonly string[], wave: number): void {
    for (const raw of names) {
      const name = raw.trim();
      if (name && !this.#requested.has(name)) this.#requested.set(name, wave);
    }
  }

  /** A worker finished: it may have asked for more workers on this payload. */
  completed(worker: string, wave: number, dispatchTo: readonly string[]): void {
    this.#running.delete(worker);
    this.#workedSinceDispatch = true;
    this.ask(dispatchTo, wave + 1);
  }

  /**
   * The workers that may start now, marked as running. Synchronous unless a worker asked for has
   * never been loaded; then it loads them first (a load failure is recorded, once).
   */
  ready(): MaybePromise<WorkTask[]> {
    const missing = (this.#missing ??= new Set());
    const tasks = this.#collect(missing);
    if (missing.size === 0) return tasks;
    this.#missing = undefined;
    this.#loading++;
    const engine = this.ctx.engine;
    const loads = [...missing].map((name) =>
      engine.loadWorker(name).catch((err: unknown) => {
        (this.#failed ??= new Set()).add(name);
        this.#record(formatError(err, `Worker plugin ${name} failed to load`), name, 'PLUGIN_LOAD_FAILED');
      }),
    );
    // Loaded workers may require others never loaded yet: go on until nothing is missing.
    return Promise.all(loads)
      .then(() => this.ready())
      .then(
        (more) => {
          this.#loading--;
          return [...tasks, ...more];
        },
        (err: unknown) => {
          this.#loading--;
          throw err;
        },
      );
  }

  /**
   * When nothing is running or loading: the wave in which to ask the dispatchers again, if a
   * worker ran since they were last asked (a dispatcher may route on what workers found), else
   * undefined — the payload is done.
   */
  redispatchWave(): number | undefined {
    if (this.#running.size > 0 || this.#loading > 0) return undefined;
    const engine = this.ctx.engine;
    // With no dispatchers, asking again could only repeat always_dispatch, asked already.
    if (!this.#workedSinceDispatch || engine.dispatchers.length === 0 || !this.node.payload.payload_meta.should_scan) return undefined;
    if (this.ctx.signal.aborted) return undefined;
    this.#workedSinceDispatch = false;
    return this.#maxWave + 1;
  }

  /** The payload is done: say why any worker asked for never ran, and order `plugins_run`. */
  finish(): void {
    const { payload } = this.node;
    const done = payload.results.plugins_run.workers;
    const signal = this.ctx.signal;
    for (const name of this.#requested.keys()) {
      if (done.includes(name) || this.#failed?.has(name)) continue;
      if (signal.aborted) this.#record(`Worker plugin ${name} did not run: ${cancelReason(signal)}`, name, cancelCode(signal));
      else this.#record(`Worker plugin ${name} did not run: its required workers never ran on this payload`, name, 'DEPENDENCY_UNSATISFIED');
    }
    // Execution order, made deterministic: dependency wave, then name.
    const waves = this.#waves;
    if (payload.results.plugins_run.workers.length > 1) {
      payload.results.plugins_run.workers.sort((a, b) => (waves.get(a) ?? 0) - (waves.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
    }
  }

  #record(error: string, pluginName: string | null, code?: string): void {
    this.ctx.request.errors.push(new StoqError(error, pluginName, this.node.payload.payload_id, code));
  }

  #collect(missing: Set<string>): WorkTask[] {
    if (this.ctx.signal.aborted) return NO_TASKS;
    // A payload runs a handful of workers: a list beats building a Set on every call.
    const done = this.node.payload.results.plugins_run.workers;
    const engine = this.ctx.engine;
    let tasks: WorkTask[] | undefined;
    for (const [name, wave] of this.#requested) {
      if (done.includes(name) || this.#running.has(name) || this.#failed?.has(name)) continue;
      const worker = engine.loadedWorker(name);
      // Most workers require none: start them without walking a dependency tree.
      if (worker && worker.requiredWorkers.size === 0) {
        (tasks ??= []).push(this.#start(name, worker, wave));
        continue;
      }
      const runnable = new Map<string, Worker>();
      try {
        this.#resolve(name, [], 0, done, runnable, missing);
      } catch (err) {
        if (!(err instanceof DependencyError)) throw err;
        (this.#failed ??= new Set()).add(name);
        this.#record(formatError(err), name, err.code);
        continue;
      }
      for (const [n, w] of runnable) if (!this.#running.has(n) && !done.includes(n)) (tasks ??= []).push(this.#start(n, w, wave));
    }
    return tasks ?? NO_TASKS;
  }

  #start(name: string, worker: Worker, askedWave: number): WorkTask {
    let wave = askedWave;
    for (const r of worker.requiredWorkers) wave = Math.max(wave, (this.#waves.get(r) ?? 0) + 1);
    this.#waves.set(name, wave);
    if (wave > this.#maxWave) this.#maxWave = wave;
    this.#running.add(name);
    return { node: this.node, worker, wave };
  }

  /** Walk `name`'s required workers: those whose requirements have all run are runnable. */
  #resolve(name: string, chain: string[], depth: number, done: readonly string[], runnable: Map<string, Worker>, missing: Set<string>): void {
    if (chain.includes(name)) throw new DependencyError(`Circular required plugin dependency found, unable to process plugin ${name}`);
    const maxDepth = this.ctx.engine.maxRequiredWorkerDepth;
    if (depth > maxDepth) throw new DependencyError(`Max required plugin depth ${maxDepth} reached, unable to generate additional tasks`);
    if (this.#failed?.has(name)) return;
    const worker = this.ctx.engine.loadedWorker(name);
    if (!worker) {
      missing.add(name);
      return;
    }
    if (done.includes(name) || this.#running.has(name)) return;
    const required = worker.requiredWorkers;
    if (required.size === 0) {
      runnable.set(name, worker);
      return;
    }
    let ready = true;
    for (const r of required) if (!done.includes(r)) ready = false;
    if (ready) runnable.set(name, worker);
    for (const r of required) this.#resolve(r, [...chain, name], depth + 1, done, runnable, missing);
  }
}
