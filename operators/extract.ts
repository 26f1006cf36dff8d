import { EMPTY, expand, Observable, type MonoTypeOperatorFunction, type OperatorFunction } from 'rxjs';
import { Payload, toBuffer } from '../src/model/payload.js';
import { StoqError } from '../src/model/stoq-error.js';
import { getSha256 } from '../src/hashing.js';
import { LIMIT_CODES } from '../src/config/limits.js';
import type { PayloadNode, ScanContext } from './internal/scan-context.js';
import { payloadScan } from './scan-payload.js';
import type { WorkOutcome } from './work.js';

/** Whether a payload may be scanned; records why not (size budget, depth) when it may not. */
function admit(ctx: ScanContext, node: PayloadNode): boolean {
  const { payload } = node;
  const { limits, maxRecursion } = ctx.engine;
  if (payload.results.size > limits.maxPayloadSize) {
    ctx.request.errors.push(
      new StoqError(
        `Payload of ${payload.results.size} bytes exceeds the maximum payload size of ${limits.maxPayloadSize} bytes; recorded, not scanned`,
        null,
        payload.payload_id,
        LIMIT_CODES.payloadSize,
      ),
    );
    return false;
  }
  if (node.depth >= maxRecursion) {
    ctx.request.errors.push(
      new StoqError(`Final worker round (${maxRecursion}) reached, unable to process payload`, null, payload.payload_id, 'MAX_RECURSION'),
    );
    return false;
  }
  return true;
}

/**
 * Turn a worker's extracted content into new payload nodes. Content already seen in this request
 * (same sha256) is not scanned again: the existing payload gains the new parent and extractor
 * instead. Extraction budgets (count per payload and per request, total bytes, compression
 * ratio) are enforced here; content past a budget is dropped with an error naming the limit.
 */
function acceptExtracted(ctx: ScanContext, outcome: WorkOutcome): PayloadNode[] {
  if (outcome.extracted.length === 0) return NONE;
  const parent = outcome.node;
  const { limits } = ctx.engine;
  const totals = ctx.extracted;
  const mine = { count: parent.extractedCount ?? 0, bytes: parent.extractedBytes ?? 0 };
  const parentSize = Math.max(parent.payload.results.size, 1);
  const accepted: PayloadNode[] = [];
  const refuse = (code: string, message: string, dropped: number) =>
    ctx.request.errors.push(
      new StoqError(`${message}; ${dropped} extracted payload(s) from ${outcome.worker} dropped`, outcome.worker, parent.payload.payload_id, code),
    );

  for (let index = 0; index < outcome.extracted.length; index++) {
    const content = toBuffer(outcome.extracted[index]!.content);
    const left = outcome.extracted.length - index;
    if (mine.count >= limits.maxExtractedPerPayload) {
      refuse(LIMIT_CODES.perPayload, `Limit of ${limits.maxExtractedPerPayload} extracted payloads per payload reached`, left);
      break;
    }
    if (totals.count >= limits.maxExtractedPerRequest) {
      refuse(LIMIT_CODES.perRequest, `Limit of ${limits.maxExtractedPerRequest} extracted payloads per request reached`, left);
      break;
    }
    if (totals.bytes + content.byteLength > limits.maxExtractedBytes) {
      refuse(LIMIT_CODES.bytes, `Limit of ${limits.maxExtractedBytes} extracted bytes per request reached`, left);
      break;
    }
    const inFlight = ctx.engine.extractedInFlight;
    if (inFlight.bytes + content.byteLength > limits.maxInFlightExtractedBytes) {
      refuse(
        LIMIT_CODES.inFlightBytes,
        `Limit of ${limits.maxInFlightExtractedBytes} extracted bytes held by all requests in flight reached (${inFlight.bytes} held now)`,
        left,
      );
      break;
    }
    if ((mine.bytes + content.byteLength) / parentSize > limits.maxCompressionRatio) {
      refuse(
        LIMIT_CODES.ratio,
        `Compression ratio limit of ${limits.maxCompressionRatio} reached (${mine.bytes + content.byteLength} bytes out of ${parent.payload.results.size})`,
        left,
      );
      break;
    }
    mine.count++;
    mine.bytes += content.byteLength;
    totals.count++;
    totals.bytes += content.byteLength;
    ctx.engine.extractedInFlight.bytes += content.byteLength;

    const sha256 = getSha256(content);
    const edge = { parent, worker: outcome.worker, wave: outcome.wave, index };
    const existing = ctx.seen.get(sha256);
    if (existing) {
      // Live view for plugins during the scan; respond() puts the edges in a timing-free order.
      existing.payload.results.addParent(parent.payload.payload_id, outcome.worker);
      existing.edges.push(edge);
      continue;
    }
    const payload = new Payload(content, outcome.extracted[index]!.payload_meta, {
      extractedBy: outcome.worker,
      extractedFrom: parent.payload.payload_id,
    });
    payload.setSha256(sha256);
    const node: PayloadNode = { payload, depth: parent.depth + 1, order: [outcome.wave, outcome.worker, index], parent, edges: [edge], initial: false };
    ctx.seen.set(sha256, node);
    ctx.request.payloads.push(payload);
    ctx.nodes.push(node);
    accepted.push(node);
  }
  parent.extractedCount = mine.count;
  parent.extractedBytes = mine.bytes;
  return accepted;
}

const NONE: PayloadNode[] = [];

/** Worker outcomes in, the new payload nodes they extracted out (synchronously, no inner Observables). */
function extractedNodes(ctx: ScanContext): OperatorFunction<WorkOutcome, PayloadNode> {
  return (outcomes) =>
    new Observable<PayloadNode>((subscriber) =>
      outcomes.subscribe({
        next: (outcome) => {
          for (const node of acceptExtracted(ctx, outcome)) subscriber.next(node);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

/**
 * The recursion: scan each payload node, and every payload extracted from it, and every payload
 * extracted from those, with at most `concurrency` payloads of the request in work at once.
 * Emits every node, initial and extracted, once it enters the pipeline; nodes that may not be
 * scanned (too deep, too large) are emitted but not expanded.
 *
 * @example
 * from(ctx.nodes.slice()).pipe(extract(ctx), toArray()).subscribe((nodes) => console.log(nodes.length));
 */
export function extract(ctx: ScanContext, concurrency = ctx.engine.payloadConcurrency): MonoTypeOperatorFunction<PayloadNode> {
  return expand((node: PayloadNode) => (admit(ctx, node) ? payloadScan(ctx, node).pipe(extractedNodes(ctx)) : EMPTY), concurrency);
}
