import { Observable, type OperatorFunction } from 'rxjs';
import { StoqResponse } from '../src/model/stoq-response.js';
import type { Edge, PayloadNode, ScanContext } from './internal/scan-context.js';

const compareOrder = (a: Array<number | string>, b: Array<number | string>): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
};

/**
 * Put the request's payloads in a deterministic order: the initial payloads, then each depth of
 * extraction in turn, children ordered by their parent's place, the wave and name of the worker
 * that extracted them, and their index in that worker's answer. Never depends on timing.
 */
function orderPayloads(ctx: ScanContext): void {
  const rank = new Map<PayloadNode, number>();
  const ordered: PayloadNode[] = [];
  const byDepth = new Map<number, PayloadNode[]>();
  for (const n of ctx.nodes) {
    const list = byDepth.get(n.depth) ?? [];
    list.push(n);
    byDepth.set(n.depth, list);
  }
  const edgeKey = (e: Edge): Array<number | string> => [e.wave, e.worker, e.index];
  const depths = [...byDepth.keys()].sort((a, b) => a - b);
  for (const d of depths) {
    const level = byDepth.get(d)!;
    // Two workers extracting the same content from one parent: the earliest extraction in
    // (wave, worker, index) order places it, whichever finished first.
    for (const n of level) {
      for (const e of n.edges) if (e.parent === n.parent && compareOrder(edgeKey(e), n.order) < 0) n.order = edgeKey(e);
    }
    level.sort((a, b) => (rank.get(a.parent!) ?? 0) - (rank.get(b.parent!) ?? 0) || compareOrder(a.order, b.order));
    for (const n of level) {
      rank.set(n, ordered.length);
      ordered.push(n);
    }
  }
  for (const n of ordered) if (n.edges.length > 0) relink(n, rank);
  ctx.request.payloads = ordered.map((n) => n.payload);
}

/** Rebuild a payload's parents and extractors from its edges, in result order, each once. */
function relink(node: PayloadNode, rank: Map<PayloadNode, number>): void {
  const edges = [...node.edges].sort(
    (a, b) => (rank.get(a.parent) ?? 0) - (rank.get(b.parent) ?? 0) || compareOrder([a.wave, a.worker, a.index], [b.wave, b.worker, b.index]),
  );
  const from = new Set(node.given?.from ?? []);
  const by = new Set(node.given?.by ?? []);
  for (const e of edges) {
    // A payload that re-extracts its own content is not its own parent (UD-10), but the worker
    // stays in extracted_by, as upstream's test_scan_with_duplicate_extracted_payloads expects.
    if (e.parent !== node) from.add(e.parent.payload.payload_id);
    by.add(e.worker);
  }
  node.payload.results.extracted_from = [...from];
  node.payload.results.extracted_by = [...by];
}

/** Build the response once every payload is done: ordered results, `time` = completion time. */
function toResponse(ctx: ScanContext): StoqResponse {
  orderPayloads(ctx);
  return new StoqResponse({ request: ctx.request, scan_id: ctx.scanId });
}

/**
 * The respond stage: waits for what came before to complete (its values are ignored: the
 * results live on the request), then emits the one response.
 *
 * @example
 * from(ctx.nodes.slice()).pipe(extract(ctx), respond(ctx)).subscribe((response) => console.log(response.results.length));
 */
export function respond<T>(ctx: ScanContext): OperatorFunction<T, StoqResponse> {
  return (source) =>
    new Observable<StoqResponse>((subscriber) =>
      source.subscribe({
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          subscriber.next(toResponse(ctx));
          subscriber.complete();
        },
      }),
    );
}
