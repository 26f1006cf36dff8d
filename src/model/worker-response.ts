import type { ExtractedPayload } from './extracted-payload.js';
import type { StoqError } from './stoq-error.js';

export interface WorkerResponseInit {
  /** Stored under `workers[plugin_name]` unless null/undefined; `{}` is stored. */
  results?: unknown;
  extracted?: ExtractedPayload[];
  errors?: Array<StoqError | string>;
  /** More workers to run on the same payload. */
  dispatch_to?: string[];
}

/** What a worker returns. A plain object of the same shape is accepted too. */
export class WorkerResponse {
  results: unknown;
  extracted: ExtractedPayload[];
  errors: Array<StoqError | string>;
  dispatch_to: string[];

  constructor(init: WorkerResponseInit = {}) {
    this.results = init.results ?? null;
    this.extracted = init.extracted ?? [];
    this.errors = init.errors ?? [];
    this.dispatch_to = init.dispatch_to ?? [];
  }

  toJSON() {
    return { results: this.results, extracted: this.extracted, errors: this.errors, dispatch_to: this.dispatch_to };
  }

  toString(): string {
    return JSON.stringify(this, null, 4);
  }
}
