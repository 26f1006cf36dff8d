import { PayloadMeta } from './payload-meta.js';
import { randomUUID } from 'node:crypto';

export interface PluginsRun {
  workers: string[];
  archivers: string[];
}

export interface PayloadResultsInit {
  size: number;
  payload_id?: string;
  payload_meta?: PayloadMeta;
  plugins_run?: PluginsRun;
  extracted_from?: string | string[];
  extracted_by?: string | string[];
  workers?: Record<string, unknown>;
  archivers?: Record<string, unknown>;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? [...v] : [v]);

/**
 * Everything the scan learned about one payload; this is what a response's `results` holds.
 * `extracted_from` and `extracted_by` are sets kept in first-seen order: every parent and
 * every extracting plugin once, never the payload itself (upstream appended repeats, UD-10).
 */
export class PayloadResults {
  size: number;
  payload_id: string;
  payload_meta: PayloadMeta;
  plugins_run: PluginsRun;
  extracted_from: string[];
  extracted_by: string[];
  workers: Record<string, unknown>;
  archivers: Record<string, unknown>;
  /** Workers whose answers came from the result cache (in the JSON only when there are some). */
  cached_workers: string[] = [];

  constructor(init: PayloadResultsInit) {
    this.size = init.size;
    this.payload_id = init.payload_id ?? randomUUID();
    this.payload_meta = init.payload_meta ?? new PayloadMeta();
    this.plugins_run = init.plugins_run ?? { workers: [], archivers: [] };
    this.extracted_from = asList(init.extracted_from);
    this.extracted_by = asList(init.extracted_by);
    this.workers = init.workers ?? {};
    this.archivers = init.archivers ?? {};
  }

  /** Record one more extraction edge for this content (dedup merges land here). */
  addParent(parentId: string | undefined, extractedBy: string | undefined): void {
    if (parentId !== undefined && parentId !== this.payload_id && !this.extracted_from.includes(parentId)) {
      this.extracted_from.push(parentId);
    }
    if (extractedBy !== undefined && !this.extracted_by.includes(extractedBy)) this.extracted_by.push(extractedBy);
  }

  toJSON() {
    return {
      size: this.size,
      payload_id: this.payload_id,
      payload_meta: this.payload_meta,
      plugins_run: this.plugins_run,
      extracted_from: this.extracted_from,
      extracted_by: this.extracted_by,
      workers: this.workers,
      archivers: this.archivers,
      // Sorted: which cached answer was recorded first is timing, and the JSON should not depend on it.
      ...(this.cached_workers.length > 0 ? { cached_workers: [...this.cached_workers].sort() } : {}),
    };
  }

  toString(): string {
    return JSON.stringify(this, null, 4);
  }
}
