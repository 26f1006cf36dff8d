import { EMPTY, expand, from, mergeMap, Observable, of, type OperatorFunction } from 'rxjs';
import { dispatch, type Dispatch } from './dispatch.js';
import { isThenable } from './internal/maybe-async.js';
import type { PayloadNode, ScanContext } from './internal/scan-context.js';
import { recordCancelled, WorkPlan, type WorkTask } from './internal/work-plan.js';
import { work, type WorkOutcome } from './work.js';
import { endSpan, type Traced } from '../src/tracing/spans.js';
import { startPayloadSpan } from '../src/tracing/spans.js';

function endPayloadSpan(trace: Traced, node: PayloadNode): void {
  trace.span.setAttribute('stoq.workers', node.payload.results.plugins_run.workers.join(','));
  endSpan(trace.span);
}

type Step = Dispatch | WorkOutcome;
const NO_DISPATCH_OPTIONS = {};
const isOutcome = (step: Step): step is WorkOutcome => 'extracted' in step;

/** What follows one step: the workers it made ready, or another dispatch once the payload is quiet. */
function next(ctx: ScanContext, plan: WorkPlan, step: Step): Observable<Step> {
  if (isOutcome(step)) plan.completed(step.worker, step.wave, step.dispatchTo);
  else plan.ask(step.workers, step.wave);
  const ready = plan.ready();
  return isThenable(ready) ? from(ready).pipe(mergeMap((tasks) => start(ctx, plan, tasks))) : start(ctx, plan, ready);
}

function start(ctx: ScanContext, plan: WorkPlan, tasks: WorkTask[]): Observable<Step> {
  if (tasks.length > 0) return from(tasks).pipe(work(ctx));
  const wave = plan.redispatchWave();
  return wave === undefined ? EMPTY : of(plan.node).pipe(dispatch(ctx, { wave, reported: plan.reportedDispatchErrors }));
}

/** Only the workers' outcomes; the plan's last word (`finish`) comes before completion does. */
function outcomes(plan: WorkPlan): OperatorFunction<Step, WorkOutcome> {
  return (steps) =>
    new Observable<WorkOutcome>((subscriber) =>
      steps.subscribe({
        next: (step) => {
          if (isOutcome(step)) subscriber.next(step);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          plan.finish();
          if (plan.node.trace) endPayloadSpan(plan.node.trace, plan.node);
          subscriber.complete();
        },
      }),
    );
}

/** One payload's scan, as `scanPayload` runs it for each payload node (and `extract` for each payload). */
export function payloadScan(ctx: ScanContext, node: PayloadNode): Observable<WorkOutcome> {
  if (ctx.signal.aborted) {
    recordCancelled(ctx, node);
    return EMPTY;
  }
  if (!node.payload.payload_meta.should_scan) return EMPTY;
  if (ctx.trace) node.trace = startPayloadSpan(ctx.trace.context, node.payload.payload_id, node.payload.sha256, node.depth, ctx.scanId);
  const plan = new WorkPlan(ctx, node);
  plan.ask(node.initial ? ctx.startDispatch : node.payload.payload_meta.dispatch_to, 0);
  return of(node).pipe(
    // The payload's dispatcher errors are recorded once each however often they are asked.
    dispatch(ctx, ctx.engine.dispatchers.length === 0 ? NO_DISPATCH_OPTIONS : { reported: plan.reportedDispatchErrors }),
    expand((step: Step) => next(ctx, plan, step)),
    outcomes(plan),
  );
}

/**
 * The per-payload stage: payload nodes in, each worker's outcome out as it finishes. For each
 * payload it is `dispatch`, then `work` on the workers that are ready, expanding: a finished
 * worker may make others ready (`required_workers`) or ask for more (`dispatch_to`), and once
 * nothing is running the dispatchers are asked again if any worker ran since (a dispatcher may
 * route on what workers found). Extracted content is left in the outcomes (see `extract`).
 *
 * @example
 * from(ctx.nodes).pipe(scanPayload(ctx)).subscribe((o) => console.log(o.worker, o.extracted.length));
 */
export function scanPayload(ctx: ScanContext, concurrency = Infinity): OperatorFunction<PayloadNode, WorkOutcome> {
  return mergeMap((node) => payloadScan(ctx, node), concurrency);
}
