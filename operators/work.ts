import { from, mergeMap, type OperatorFunction } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import { StoqError } from '../src/model/stoq-error.js';
import type { Logger } from '../src/log/logger.js';
import type { Worker } from '../src/plugin/base-plugin.js';
import { invokePlugin } from './internal/invoke.js';
import { errorCode, normaliseWorkerResponse, type NormalisedExtracted } from './internal/normalise.js';
import type { PayloadNode, ScanContext } from './internal/scan-context.js';

export interface WorkTask {
  node: PayloadNode;
  worker: Worker;
}

export interface WorkOutcome {
  node: PayloadNode;
  worker: string;
  /** Content the worker carved out, still to be deduplicated and turned into payloads. */
  extracted: NormalisedExtracted[];
  /** More workers the worker wants run on the same payload. */
  dispatchTo: string[];
}

/**
 * Run one worker on one payload and record what it said: its results under `workers[name]`, its
 * errors (or its exception, timeout or malformed answer) in the request's errors. The worker is
 * listed in `plugins_run.workers` whatever happened, so it never runs twice on that payload.
 */
export async function runWorker(ctx: ScanContext, { node, worker }: WorkTask): Promise<WorkOutcome> {
  const { payload } = node;
  const name = worker.plugin_name;
  const outcome: WorkOutcome = { node, worker: name, extracted: [], dispatchTo: [] };
  // A child logger per call showed up in small-file profiles: made only if something logs.
  let child: Logger | undefined;
  const log = () => (child ??= ctx.log.child({ payload_id: payload.payload_id, plugin: name }));
  try {
    const raw = await invokePlugin(ctx.engine, worker, (c) => worker.scan(payload, ctx.request, c), { signal: ctx.signal, log });
    const response = normaliseWorkerResponse(raw);
    if (response) {
      if (response.results !== null && response.results !== undefined) payload.results.workers[name] = response.results;
      ctx.request.errors.push(...response.errors);
      outcome.extracted = response.extracted;
      outcome.dispatchTo = response.dispatch_to;
    }
  } catch (err) {
    if (ctx.log.isLevelEnabled('debug')) log().debug({ err }, 'worker failed');
    ctx.request.errors.push(new StoqError(formatError(err, 'worker:failed to scan'), name, payload.payload_id, errorCode(err)));
  } finally {
    payload.results.plugins_run.workers.push(name);
  }
  return outcome;
}

/**
 * The work stage as an operator: (payload, worker) tasks in, outcomes out, at most `concurrency`
 * at once. Dependencies between workers are the caller's business (see `scanPayload`).
 *
 * @example
 * of({ node, worker: await engine.loadWorker('hash') }).pipe(work(ctx)).subscribe((o) => console.log(o.worker));
 */
export function work(ctx: ScanContext, concurrency = Infinity): OperatorFunction<WorkTask, WorkOutcome> {
  return mergeMap((task) => from(runWorker(ctx, task)), concurrency);
}
