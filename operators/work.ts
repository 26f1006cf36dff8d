import type { OperatorFunction } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import type { Logger } from '../src/log/logger.js';
import { StoqError } from '../src/model/stoq-error.js';
import { PayloadMeta } from '../src/model/payload-meta.js';
import { toBuffer } from '../src/model/payload.js';
import type { Worker } from '../src/plugin/base-plugin.js';
import { isCacheable, resultCacheKey } from '../src/cache/cache-key.js';
import type { CachedAnswer } from '../src/cache/cached-answer.js';
import { invokePlugin } from './internal/invoke.js';
import { callTrace } from './internal/call-trace.js';
import { isThenable, type MaybePromise } from './internal/maybe-async.js';
import { mergeMaybe } from './internal/merge-maybe.js';
import { errorCode, normaliseWorkerResponse, type NormalisedExtracted, type NormalisedWorkerResponse } from './internal/normalise.js';
import type { PayloadNode, ScanContext } from './internal/scan-context.js';
import type { WorkTask } from './internal/work-plan.js';

export type { WorkTask } from './internal/work-plan.js';

/** What one worker did to one payload. */
export interface WorkOutcome {
  node: PayloadNode;
  worker: string;
  /** The dependency wave it ran in on its payload (orders results and extracted payloads). */
  wave: number;
  /** Content the worker carved out, still to be deduplicated and turned into payloads. */
  extracted: NormalisedExtracted[];
  /** More workers the worker wants run on the same payload. */
  dispatchTo: string[];
}

function failed(ctx: ScanContext, outcome: WorkOutcome, err: unknown, log: () => Logger): WorkOutcome {
  const { payload } = outcome.node;
  if (ctx.log.isLevelEnabled('debug')) log().debug({ err }, 'worker failed');
  ctx.request.errors.push(new StoqError(formatError(err, 'worker:failed to scan'), outcome.worker, payload.payload_id, errorCode(err)));
  payload.results.plugins_run.workers.push(outcome.worker);
  return outcome;
}

/** Where a worker's answer goes in the result cache: the key it was looked up under, and the plugin's variant then. */
interface CacheSlot {
  worker: Worker;
  key: string;
  variant: string | undefined;
}

function answered(ctx: ScanContext, outcome: WorkOutcome, raw: unknown, log: () => Logger, slot?: CacheSlot): WorkOutcome {
  let response: NormalisedWorkerResponse | undefined;
  try {
    response = normaliseWorkerResponse(raw);
  } catch (err) {
    return failed(ctx, outcome, err, log);
  }
  if (slot !== undefined && (response === undefined || response.errors.length === 0)) {
    let answer: CachedAnswer | undefined;
    try {
      answer = toCachedAnswer(response);
    } catch (err) {
      // Results JSON cannot hold (a BigInt, a cycle) are still recorded, just not cached.
      log().debug({ err }, 'answer not cached');
    }
    // A new key only if the call changed the plugin's variant (rules reloaded in a thread).
    const key = slot.worker.cacheVariant?.() === slot.variant ? slot.key : resultCacheKey(slot.worker, outcome.node.payload);
    if (answer) ctx.engine.resultCache!.store(key, outcome.worker, answer);
  }
  return record(ctx, outcome, response);
}

/** A worker's answer, normalised, recorded on its payload and request. */
function record(ctx: ScanContext, outcome: WorkOutcome, response: NormalisedWorkerResponse | undefined): WorkOutcome {
  const { payload } = outcome.node;
  if (response) {
    if (response.results !== null && response.results !== undefined) payload.results.workers[outcome.worker] = response.results;
    // What a worker leaves unattributed (plain strings) is its own, about this payload (UD-34);
    // a new object, since a plugin may hand back the same error every time.
    for (const e of response.errors) {
      const attributed = e.plugin_name !== null && e.payload_id !== null;
      ctx.request.errors.push(attributed ? e : new StoqError(e.error, e.plugin_name ?? outcome.worker, e.payload_id ?? payload.payload_id, e.code));
    }
    outcome.extracted = response.extracted;
    outcome.dispatchTo = response.dispatch_to;
  }
  // Listed whatever happened, so it never runs twice on this payload.
  payload.results.plugins_run.workers.push(outcome.worker);
  return outcome;
}

const NOTHING: never[] = [];

function runWorker(ctx: ScanContext, { node, worker, wave }: WorkTask): MaybePromise<WorkOutcome> {
  const { payload } = node;
  const name = worker.plugin_name;
  const outcome: WorkOutcome = { node, worker: name, wave, extracted: NOTHING, dispatchTo: NOTHING };
  // A child logger per call showed up in small-file profiles: made only if something logs.
  let child: Logger | undefined;
  const log = () => (child ??= ctx.log.child({ payload_id: payload.payload_id, plugin: name }));
  const cache = ctx.engine.resultCache;
  if (!cache || !isCacheable(worker)) return callWorker(ctx, worker, outcome, log);
  const slot: CacheSlot = { worker, key: resultCacheKey(worker, payload), variant: worker.cacheVariant?.() };
  const hit = cache.lookup(slot.key, name);
  if (isThenable(hit)) return hit.then((answer) => (answer ? fromCache(ctx, outcome, answer) : callWorker(ctx, worker, outcome, log, slot)));
  return hit ? fromCache(ctx, outcome, hit) : callWorker(ctx, worker, outcome, log, slot);
}

function callWorker(ctx: ScanContext, worker: Worker, outcome: WorkOutcome, log: () => Logger, slot?: CacheSlot): MaybePromise<WorkOutcome> {
  let raw: unknown;
  try {
    raw = invokePlugin(ctx.engine, worker, (c) => worker.scan(outcome.node.payload, ctx.request, c), {
      signal: ctx.signal,
      log,
      trace: callTrace(outcome.node, 'worker'),
    });
  } catch (err) {
    return failed(ctx, outcome, err, log);
  }
  return isThenable(raw)
    ? (raw as Promise<unknown>).then(
        (r) => answered(ctx, outcome, r, log, slot),
        (err: unknown) => failed(ctx, outcome, err, log),
      )
    : answered(ctx, outcome, raw, log, slot);
}

/** A cached answer recorded as if the worker had just given it, and marked as reused. */
function fromCache(ctx: ScanContext, outcome: WorkOutcome, answer: CachedAnswer): WorkOutcome {
  outcome.node.payload.results.cached_workers.push(outcome.worker);
  return record(ctx, outcome, {
    results: answer.results === undefined ? undefined : JSON.parse(answer.results),
    errors: [],
    dispatch_to: [...answer.dispatch_to],
    extracted: answer.extracted.map((e) => ({ content: e.content, payload_meta: new PayloadMeta(structuredClone(e.payload_meta)) })),
  });
}

function toCachedAnswer(response: NormalisedWorkerResponse | undefined): CachedAnswer {
  if (!response) return { results: undefined, dispatch_to: [], extracted: [] };
  return {
    results: response.results === undefined || response.results === null ? undefined : JSON.stringify(response.results),
    dispatch_to: [...response.dispatch_to],
    extracted: response.extracted.map((e) => ({ content: toBuffer(e.content), payload_meta: structuredClone(e.payload_meta.toJSON()) })),
  };
}

/**
 * The work stage: (payload, worker) tasks in, outcomes out, at most `concurrency` at once. Each
 * worker's results go under `workers[name]`, its errors (or its exception, timeout or malformed
 * answer) into the request's errors, and its name into `plugins_run.workers` whatever happened.
 * A worker that answers synchronously is recorded synchronously. Which workers may run, and in
 * what order, is `scanPayload`'s business.
 *
 * @example
 * of({ node, worker: await engine.loadWorker('hash'), wave: 0 }).pipe(work(ctx)).subscribe((o) => console.log(o.worker));
 */
export function work(ctx: ScanContext, concurrency = Infinity): OperatorFunction<WorkTask, WorkOutcome> {
  return mergeMaybe((task) => runWorker(ctx, task), concurrency);
}
