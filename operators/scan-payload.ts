import { EMPTY, expand, filter, from, mergeMap, of, tap, type Observable, type OperatorFunction } from 'rxjs';
import { dispatch, type Dispatch } from './dispatch.js';
import { isThenable } from './internal/maybe-async.js';
import type { PayloadNode, ScanContext } from './internal/scan-context.js';
import { recordCancelled, WorkPlan, type WorkTask } from './internal/work-plan.js';
import { work, type WorkOutcome } from './work.js';

type Step = Dispatch | WorkOutcome;
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

function scanOne(ctx: ScanContext, node: PayloadNode): Observable<WorkOutcome> {
  if (ctx.signal.aborted) {
    recordCancelled(ctx, node);
    return EMPTY;
  }
  if (!node.payload.payload_meta.should_scan) return EMPTY;
  const plan = new WorkPlan(ctx, node);
  plan.ask(node.initial ? ctx.startDispatch : node.payload.payload_meta.dispatch_to, 0);
  return of(node).pipe(
    dispatch(ctx, { reported: plan.reportedDispatchErrors }),
    expand((step: Step) => next(ctx, plan, step)),
    filter(isOutcome),
    // tap's complete runs before completion reaches downstream, where the response is built.
    tap({ complete: () => plan.finish() }),
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
  return mergeMap((node) => scanOne(ctx, node), concurrency);
}
