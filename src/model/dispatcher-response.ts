import type { StoqError } from './stoq-error.js';

export interface DispatcherResponseInit {
  plugin_names?: string[];
  meta?: Record<string, unknown>;
  errors?: Array<StoqError | string>;
}

/** Which workers a dispatcher wants to run on a payload, and why (`meta`). */
export class DispatcherResponse {
  plugin_names: string[];
  meta: Record<string, unknown>;
  errors: Array<StoqError | string>;

  constructor(init: DispatcherResponseInit = {}) {
    this.plugin_names = init.plugin_names ?? [];
    this.meta = init.meta ?? {};
    this.errors = init.errors ?? [];
  }

  toJSON() {
    return { plugin_names: this.plugin_names, meta: this.meta, errors: this.errors };
  }

  toString(): string {
    return JSON.stringify(this, null, 4);
  }
}
