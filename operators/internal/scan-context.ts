import { randomUUID } from 'node:crypto';
import type { Logger } from '../../src/log/logger.js';
import type { Payload } from '../../src/model/payload.js';
import type { Request } from '../../src/model/request.js';
import type { Engine } from './engine.js';
import { NEVER_ABORTED } from './never-aborted.js';

/** One extraction of a payload's content: by which worker, from which payload. */
export interface Edge {
  parent: PayloadNode;
  worker: string;
  /** The worker's dependency wave on the parent. */
  wave: number;
  /** Position in the worker's `extracted` list. */
  index: number;
}

/** Where a payload sits in the extraction tree; used to order results deterministically. */
export interface PayloadNode {
  payload: Payload;
  depth: number;
  /** Initial payloads: their index. Extracted: [wave, worker name, index] of the extraction. */
  order: Array<number | string>;
  /** The payload it was first extracted from (defines its depth). */
  parent?: PayloadNode;
  /** Every extraction of this content in the request, in arrival order (dedup merges add more). */
  edges: Edge[];
  initial: boolean;
  /** Initial payloads: the parents/extractors they arrived with, kept ahead of edges. */
  given?: { from: string[]; by: string[] };
}

/** The state of one request while it is being scanned. */
export interface ScanContext {
  engine: Engine;
  request: Request;
  /** The response's `scan_id`, fixed when the request starts so every log line can carry it. */
  scanId: string;
  /** Start dispatches for the initial payloads. */
  startDispatch: string[];
  /** sha256 → the node that holds that content in this request. */
  seen: Map<string, PayloadNode>;
  nodes: PayloadNode[];
  log: Logger;
  /** Aborted when the request's deadline passes or the run stops. */
  signal: AbortSignal;
  /** Running totals for the request's extraction budgets. */
  extracted: { count: number; bytes: number; perParent: Map<PayloadNode, { count: number; bytes: number }> };
  /** Stop the deadline timer once the request is done. */
  dispose(): void;
}

export interface ScanRequestOptions {
  /** Cancels the request (e.g. a run shutting down). */
  signal?: AbortSignal;
  /** Deadline for this request in seconds; overrides the engine default. */
  requestTimeout?: number;
}

/** The request deadline passed; unfinished work was cancelled. */
export class RequestDeadlineError extends Error {
  readonly code = 'REQUEST_DEADLINE';
  constructor(seconds: number) {
    super(`request deadline of ${seconds}s passed`);
    this.name = 'RequestDeadlineError';
  }
}

export function createScanContext(engine: Engine, request: Request, startDispatch: string[] = [], options: ScanRequestOptions = {}): ScanContext {
  const signals: AbortSignal[] = [];
  if (options.signal) signals.push(options.signal);
  const deadline = options.requestTimeout ?? engine.requestTimeoutSeconds;
  let timer: NodeJS.Timeout | undefined;
  if (deadline !== undefined && Number.isFinite(deadline)) {
    const controller = new AbortController();
    timer = setTimeout(() => controller.abort(new RequestDeadlineError(deadline)), deadline * 1000);
    timer.unref();
    signals.push(controller.signal);
  }
  const nodes: PayloadNode[] = request.payloads.map((payload, i) => ({
    payload,
    depth: 0,
    order: [i],
    edges: [],
    initial: true,
    given: { from: [...payload.results.extracted_from], by: [...payload.results.extracted_by] },
  }));
  const initial = nodes.slice();
  const scanId = randomUUID();
  let log: Logger | undefined;
  let seen: Map<string, PayloadNode> | undefined;
  return {
    engine,
    request,
    startDispatch: startDispatch.map((s) => s.trim()).filter(Boolean),
    // Built on first use (the first extraction): a request that extracts nothing never needs the
    // initial payloads' digests for dedup, so the hash plugin can compute them off the main thread.
    get seen() {
      if (!seen) {
        seen = new Map();
        // Duplicates among the initial payloads are all kept and scanned; the first one is the
        // target of later dedup merges.
        for (const n of initial) if (!seen.has(n.payload.sha256)) seen.set(n.payload.sha256, n);
      }
      return seen;
    },
    nodes,
    scanId,
    // Made on first use: most requests never log.
    get log() {
      return (log ??= engine.log.child({ scan_id: scanId }));
    },
    signal: signals.length === 0 ? NEVER_ABORTED : signals.length === 1 ? signals[0]! : AbortSignal.any(signals),
    extracted: { count: 0, bytes: 0, perParent: new Map() },
    dispose: () => clearTimeout(timer),
  };
}
