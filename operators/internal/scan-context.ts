import type { Logger } from '../../src/log/logger.js';
import type { Payload } from '../../src/model/payload.js';
import type { Request } from '../../src/model/request.js';
import type { Engine } from './engine.js';

/** Where a payload sits in the extraction tree; used to order results deterministically. */
export interface PayloadNode {
  payload: Payload;
  depth: number;
  /** Initial payloads: their index. Extracted: [wave, worker name, index] of the extraction. */
  order: Array<number | string>;
  parent?: PayloadNode;
  initial: boolean;
}

/** The state of one request while it is being scanned. */
export interface ScanContext {
  engine: Engine;
  request: Request;
  /** Start dispatches for the initial payloads. */
  startDispatch: string[];
  /** sha256 → the payload that holds that content in this request. */
  seen: Map<string, Payload>;
  nodes: PayloadNode[];
  log: Logger;
  /** Aborted when the request's deadline passes or the run stops. */
  signal: AbortSignal;
  /** What was cut short by the deadline, for the response. */
  cancelled: string[];
}

export function createScanContext(engine: Engine, request: Request, startDispatch: string[] = [], signal?: AbortSignal): ScanContext {
  const signals: AbortSignal[] = [];
  if (signal) signals.push(signal);
  if (engine.requestTimeoutSeconds !== undefined) signals.push(AbortSignal.timeout(engine.requestTimeoutSeconds * 1000));
  const nodes = request.payloads.map((payload, i) => ({ payload, depth: 0, order: [i], initial: true }));
  const seen = new Map<string, Payload>();
  // Duplicates among the initial payloads are all kept and scanned; the first one is the target
  // of later dedup merges.
  for (const p of request.payloads) if (!seen.has(p.sha256)) seen.set(p.sha256, p);
  return {
    engine,
    request,
    startDispatch: startDispatch.map((s) => s.trim()).filter(Boolean),
    seen,
    nodes,
    log: engine.log,
    signal: signals.length === 0 ? new AbortController().signal : signals.length === 1 ? signals[0]! : AbortSignal.any(signals),
    cancelled: [],
  };
}
