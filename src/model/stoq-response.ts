import { randomUUID } from 'node:crypto';
import { toJsonValue, type JsonValue } from './json.js';
import type { PayloadResults } from './payload-results.js';
import type { Request } from './request.js';
import { RequestMeta as RequestMetaClass, type RequestMeta } from './request-meta.js';
import type { StoqError } from './stoq-error.js';

export interface StoqResponseInit {
  /** Build from a request (its payloads' results, its metadata and errors)... */
  request?: Request;
  /** ...or from results directly (sub-responses, responses read back from JSON). */
  results?: PayloadResults[];
  request_meta?: RequestMeta;
  errors?: StoqError[];
  /** ISO-8601 timestamp; defaults to now, in UTC with an explicit `+00:00` offset. */
  time?: string;
  decorators?: Record<string, unknown>;
  scan_id?: string;
}

/** ISO-8601 UTC with an explicit offset, which every ISO parser (Python's too) accepts. */
export function isoNow(): string {
  // Formatting a date was a visible share of a small scan; many responses finish in the same millisecond.
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString().replace('Z', '+00:00');
  }
  return lastIso;
}
let lastMs = -1;
let lastIso = '';

/**
 * The outcome of one scan request, in upstream stoQ v3's wire shape (`JSON.stringify` gives
 * exactly its keys in its order).
 */
export class StoqResponse {
  results: PayloadResults[];
  request_meta: RequestMeta;
  /** The same array as the request's errors, so late errors (decorators) land in both. */
  errors: StoqError[];
  time: string;
  decorators: Record<string, unknown>;
  scan_id: string;

  constructor(init: StoqResponseInit) {
    if (init.request) {
      this.results = init.request.payloads.map((p) => p.results);
      this.request_meta = init.request.request_meta;
      this.errors = init.request.errors;
    } else {
      this.results = init.results ?? [];
      this.request_meta = init.request_meta ?? new RequestMetaClass();
      this.errors = init.errors ?? [];
    }
    this.time = init.time ?? isoNow();
    this.decorators = init.decorators ?? {};
    this.scan_id = init.scan_id ?? randomUUID();
  }

  toJSON(): { [key: string]: JsonValue } {
    return toJsonValue({
      results: this.results,
      request_meta: this.request_meta,
      errors: this.errors,
      time: this.time,
      decorators: this.decorators,
      scan_id: this.scan_id,
    }) as { [key: string]: JsonValue };
  }

  /**
   * One plain JSON response per (payload, worker result), for sinks that index one document per
   * result. Payloads without worker results still get one entry (upstream dropped them, UD-12).
   */
  split(): Array<{ [key: string]: JsonValue }> {
    const whole = this.toJSON();
    const results = whole.results as Array<{ [key: string]: JsonValue }>;
    const out: Array<{ [key: string]: JsonValue }> = [];
    for (const result of results) {
      const workers = result.workers as { [key: string]: JsonValue };
      const entries = Object.entries(workers);
      const pieces = entries.length === 0 ? [{}] : entries.map(([name, value]) => ({ [name]: value }));
      for (const piece of pieces) {
        out.push({ ...structuredClone(whole), results: [{ ...structuredClone(result), workers: structuredClone(piece) }] });
      }
    }
    return out;
  }

  toString(): string {
    return JSON.stringify(this, null, 4);
  }
}
