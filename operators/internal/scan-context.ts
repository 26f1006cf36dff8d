import { randomUUID } from 'node:crypto';
import type { Logger } from '../../src/log/logger.js';
import type { Payload } from '../../src/model/payload.js';
import type { Request } from '../../src/model/request.js';
import type { Engine } from './engine.js';
import { NEVER_ABORTED } from './never-aborted.js';
import type { Traced } from '../../src/tracing/spans.js';
import type { TraceCarrier } from '../../src/tracing/trace-carrier.js';

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
  /** The payload's span while it is scanned (only when the request is traced). */
  trace?: Traced;
  /** Extracted from this payload so far, for the per-payload budgets. */
  extractedCount?: number;
  extractedBytes?: number;
}

export interface ScanRequestOptions {
  /** Cancels the request (e.g. a run shutting down). */
  signal?: AbortSignal;
  /** Deadline for this request in seconds; overrides the engine default. */
  requestTimeout?: number;
  /** W3C trace context (`traceparent`) of whoever asked for the scan: the request's span becomes its child. */
  traceCarrier?: TraceCarrier;
}

/** The request deadline passed; unfinished work was cancelled. */
export class RequestDeadlineError extends Error {
  readonly code = 'REQUEST_DEADLINE';
  constructor(seconds: number) {
    super(`request deadline of ${seconds}s passed`);
    this.name = 'RequestDeadlineError';
  }
}

/** The state of one request while it is being scanned. */
export class ScanContext {
  /** The response's `scan_id`, fixed when the request starts so every log line can carry it. */
  readonly scanId = randomUUID();
  /** Start dispatches for the initial payloads. */
  readonly startDispatch: string[];
  readonly nodes: PayloadNode[];
  /** Aborted when the request's deadline passes or the run stops. */
  readonly signal: AbortSignal;
  /** Running totals for the request's extraction budgets. */
  readonly extracted = { count: 0, bytes: 0 };
  /** The request's span, when an OpenTelemetry SDK records it (see src/tracing). */
  trace: Traced | undefined;
  readonly #initial: number;
  readonly #timer: NodeJS.Timeout | undefined;
  #log: Logger | undefined;
  #seen: Map<string, PayloadNode> | undefined;

  constructor(
    readonly engine: Engine,
    readonly request: Request,
    startDispatch: string[] = [],
    options: ScanRequestOptions = {},
  ) {
    this.startDispatch = startDispatch.length === 0 ? startDispatch : startDispatch.map((s) => s.trim()).filter(Boolean);
    this.nodes = request.payloads.map((payload, i) => {
      const { extracted_from: from, extracted_by: by } = payload.results;
      const node: PayloadNode = { payload, depth: 0, order: [i], edges: [], initial: true };
      if (from.length > 0 || by.length > 0) node.given = { from: [...from], by: [...by] };
      return node;
    });
    this.#initial = this.nodes.length;
    const deadline = options.requestTimeout ?? engine.requestTimeoutSeconds;
    let signal = options.signal ?? NEVER_ABORTED;
    if (deadline !== undefined && Number.isFinite(deadline)) {
      const controller = new AbortController();
      this.#timer = setTimeout(() => controller.abort(new RequestDeadlineError(deadline)), deadline * 1000);
      this.#timer.unref();
      signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    }
    this.signal = signal;
  }

  /**
   * sha256 → the node that holds that content in this request. Built on first use (the first
   * extraction): a request that extracts nothing never needs the initial payloads' digests for
   * dedup, so the hash plugin can compute them off the main thread.
   */
  get seen(): Map<string, PayloadNode> {
    if (!this.#seen) {
      this.#seen = new Map();
      // Duplicates among the initial payloads are all kept and scanned; the first one is the
      // target of later dedup merges.
      for (let i = 0; i < this.#initial; i++) {
        const n = this.nodes[i]!;
        if (!this.#seen.has(n.payload.sha256)) this.#seen.set(n.payload.sha256, n);
      }
    }
    return this.#seen;
  }

  /** The request's logger (with its scan_id); made on first use, as most requests never log. */
  get log(): Logger {
    return (this.#log ??= this.engine.log.child({ scan_id: this.scanId }));
  }

  /** The request is done: stop its deadline timer and give its extracted bytes back to the engine-wide budget (once). */
  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.engine.extractedInFlight.bytes -= this.extracted.bytes;
    this.extracted.bytes = 0;
  }
}

/**
 * The state for scanning `request` with `engine`; what every per-request operator takes.
 *
 * @example
 * const ctx = createScanContext(engine, new Request({ payloads: [new Payload('hello')] }), ['hash']);
 * from(ctx.nodes.slice()).pipe(extract(ctx), respond(ctx)).subscribe((response) => console.log(response.results[0].plugins_run.workers));
 */
export function createScanContext(engine: Engine, request: Request, startDispatch: string[] = [], options: ScanRequestOptions = {}): ScanContext {
  return new ScanContext(engine, request, startDispatch, options);
}
