import { EMPTY, expand, mergeMap, type MonoTypeOperatorFunction } from 'rxjs';
import { Payload, toBuffer } from '../src/model/payload.js';
import { StoqError } from '../src/model/stoq-error.js';
import { getSha256 } from '../src/hashing.js';
import type { PayloadNode, ScanContext } from './internal/scan-context.js';
import { scanPayloadWork, type WaveOutcome } from './scan-payload.js';

/**
 * Turn a worker's extracted content into new payload nodes. Content already seen in this request
 * (same sha256) is not scanned again: the existing payload gains the new parent and extractor
 * instead. Payloads past `maxRecursion` are kept in the results with an error, unscanned.
 */
export function acceptExtracted(ctx: ScanContext, outcome: WaveOutcome): PayloadNode[] {
  const parent = outcome.node;
  const accepted: PayloadNode[] = [];
  outcome.extracted.forEach((extracted, index) => {
    const content = toBuffer(extracted.content);
    const sha256 = getSha256(content);
    const existing = ctx.seen.get(sha256);
    if (existing) {
      existing.results.addParent(parent.payload.payload_id, outcome.worker);
      return;
    }
    const payload = new Payload(content, extracted.payload_meta, {
      extractedBy: outcome.worker,
      extractedFrom: parent.payload.payload_id,
    });
    payload.setSha256(sha256);
    ctx.seen.set(sha256, payload);
    ctx.request.payloads.push(payload);
    const node: PayloadNode = { payload, depth: parent.depth + 1, order: [outcome.wave, outcome.worker, index], parent, initial: false };
    ctx.nodes.push(node);
    if (node.depth >= ctx.engine.maxRecursion) {
      ctx.request.errors.push(
        new StoqError(`Final worker round (${ctx.engine.maxRecursion}) reached, unable to process payload`, null, payload.payload_id, 'MAX_RECURSION'),
      );
      return;
    }
    accepted.push(node);
  });
  return accepted;
}

/**
 * The recursion: scan each payload node, and every payload extracted from it, and every payload
 * extracted from those, with at most `concurrency` payloads of the request in work at once.
 * Emits every node, initial and extracted, once it enters the pipeline.
 *
 * @example
 * from(ctx.nodes.slice()).pipe(extract(ctx), toArray()).subscribe((nodes) => console.log(nodes.length));
 */
export function extract(ctx: ScanContext, concurrency = ctx.engine.payloadConcurrency): MonoTypeOperatorFunction<PayloadNode> {
  return expand(
    (node: PayloadNode) =>
      node.depth >= ctx.engine.maxRecursion
        ? EMPTY
        : scanPayloadWork(ctx, node).pipe(mergeMap((outcome) => acceptExtracted(ctx, outcome))),
    concurrency,
  );
}
