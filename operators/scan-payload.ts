import { Observable, type OperatorFunction, mergeMap } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import { StoqError } from '../src/model/stoq-error.js';
import type { Worker } from '../src/plugin/base-plugin.js';
import { dispatchPayload } from './dispatch.js';
import type { PayloadNode, ScanContext } from './internal/scan-context.js';
import { runWorker, type WorkOutcome } from './work.js';

/** A worker's outcome, with the dependency wave it ran in on its payload (orders the results). */
export interface WaveOutcome extends WorkOutcome {
  wave: number;
}

const cancelReason = (ctx: ScanContext) => {
  const r = ctx.signal.reason as { message?: string } | undefined;
  return `the request was cancelled (${r?.message ?? String(r)})`;
};
const cancelCode = (ctx: ScanContext) => {
  const code = (ctx.signal.reason as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'REQUEST_CANCELLED';
};

class DependencyError extends Error {
  readonly code = 'DEPENDENCY_ERROR';
  constructor(message: string) {
    super(message);
    this.name = 'RecursionError';
  }
}

/**
 * Dispatch and work on one payload until it is quiet, emitting each worker's outcome as it
 * finishes. There is no round barrier: a worker starts the moment the workers it requires have
 * run on this payload. When nothing is left running, dispatchers are asked again if any worker
 * ran since they were last asked (a dispatcher may route on what workers found).
 */
export function scanPayloadWork(ctx: ScanContext, node: PayloadNode): Observable<WaveOutcome> {
  return new Observable<WaveOutcome>((subscriber) => {
    let closed = false;
    const { payload } = node;
    const { engine } = ctx;
    const canScan = payload.payload_meta.should_scan;
    /** name → dependency wave in which it was asked for */
    const requested = new Map<string, number>();
    /** names that failed to load or resolve: reported once, never retried on this payload */
    const failed = new Set<string>();
    const waves = new Map<string, number>();
    const running = new Map<string, Promise<void>>();
    let maxWave = 0;
    let workedSinceDispatch = false;
    // Bumped on every new ask; lets the loop notice asks made while it was scheduling.
    let askVersion = 0;
    let scheduledVersion = -1;
    const reportedDispatchErrors = new Set<string>();

    const ask = (names: string[], wave: number) => {
      for (const raw of names) {
        const name = raw.trim();
        if (name && !requested.has(name)) {
          requested.set(name, wave);
          askVersion++;
        }
      }
    };
    const record = (error: string, pluginName: string | null, code?: string) =>
      ctx.request.errors.push(new StoqError(error, pluginName, payload.payload_id, code));

    const resolve = async (name: string, chain: string[], depth: number, done: Set<string>, runnable: Map<string, Worker>) => {
      if (chain.includes(name)) throw new DependencyError(`Circular required plugin dependency found, unable to process plugin ${name}`);
      if (depth > engine.maxRequiredWorkerDepth) {
        throw new DependencyError(`Max required plugin depth ${engine.maxRequiredWorkerDepth} reached, unable to generate additional tasks`);
      }
      if (failed.has(name)) return;
      let worker: Worker;
      try {
        worker = await engine.loadWorker(name);
      } catch (err) {
        failed.add(name);
        record(formatError(err, `Worker plugin ${name} failed to load`), name, 'PLUGIN_LOAD_FAILED');
        return;
      }
      if (done.has(name) || running.has(name)) return;
      const required = [...worker.requiredWorkers];
      if (required.every((r) => done.has(r))) runnable.set(name, worker);
      for (const r of required) await resolve(r, [...chain, name], depth + 1, done, runnable);
    };

    const start = (name: string, worker: Worker, askedWave: number) => {
      const wave = Math.max(askedWave, ...[...worker.requiredWorkers].map((r) => (waves.get(r) ?? 0) + 1));
      waves.set(name, wave);
      maxWave = Math.max(maxWave, wave);
      const done = runWorker(ctx, { node, worker }).then((outcome) => {
        running.delete(name);
        workedSinceDispatch = true;
        ask(outcome.dispatchTo, wave + 1);
        if (!closed) subscriber.next({ ...outcome, wave });
      });
      running.set(name, done);
    };

    const schedule = async () => {
      scheduledVersion = askVersion;
      const done = new Set(payload.results.plugins_run.workers);
      for (const [name, wave] of [...requested]) {
        if (ctx.signal.aborted) return;
        if (done.has(name) || running.has(name) || failed.has(name)) continue;
        const runnable = new Map<string, Worker>();
        try {
          await resolve(name, [], 0, done, runnable);
        } catch (err) {
          if (!(err instanceof DependencyError)) throw err;
          failed.add(name);
          record(formatError(err), name, err.code);
          continue;
        }
        for (const [n, w] of runnable) if (!running.has(n) && !done.has(n)) start(n, w, wave);
      }
    };

    const reportUnfinished = () => {
      const done = new Set(payload.results.plugins_run.workers);
      for (const name of requested.keys()) {
        if (done.has(name) || failed.has(name)) continue;
        if (ctx.signal.aborted) {
          record(`Worker plugin ${name} did not run: ${cancelReason(ctx)}`, name, cancelCode(ctx));
        } else {
          record(`Worker plugin ${name} did not run: its required workers never ran on this payload`, name, 'DEPENDENCY_UNSATISFIED');
        }
      }
    };

    const loop = async () => {
      if (ctx.signal.aborted) {
        record(`Payload not scanned: ${cancelReason(ctx)}`, null, cancelCode(ctx));
        return;
      }
      if (canScan) {
        ask(node.initial ? ctx.startDispatch : payload.payload_meta.dispatch_to, 0);
        ask(await dispatchPayload(ctx, node, reportedDispatchErrors), 0);
      }
      while (!closed && !ctx.signal.aborted) {
        await schedule();
        if (running.size > 0) {
          await Promise.race(running.values());
          continue;
        }
        if (askVersion !== scheduledVersion) continue;
        // With no dispatchers, asking again could only repeat always_dispatch, asked already.
        if (!canScan || !workedSinceDispatch || engine.dispatchers.length === 0) break;
        workedSinceDispatch = false;
        ask(await dispatchPayload(ctx, node, reportedDispatchErrors), maxWave + 1);
      }
      await Promise.all(running.values());
      reportUnfinished();
      // Execution order, made deterministic: dependency wave, then name.
      payload.results.plugins_run.workers.sort((a, b) => (waves.get(a) ?? 0) - (waves.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
    };

    loop().then(
      () => subscriber.complete(),
      (err) => subscriber.error(err),
    );
    return () => {
      closed = true;
    };
  });
}

/**
 * The per-payload stage as an operator: payload nodes in, worker outcomes out.
 *
 * @example
 * from(ctx.nodes).pipe(scanPayload(ctx)).subscribe((o) => console.log(o.worker, o.extracted.length));
 */
export function scanPayload(ctx: ScanContext, concurrency = Infinity): OperatorFunction<PayloadNode, WaveOutcome> {
  return mergeMap((node) => scanPayloadWork(ctx, node), concurrency);
}
