import type { StoqError } from './stoq-error.js';

export interface ArchiverResponseInit {
  results?: Record<string, unknown> | null;
  errors?: Array<StoqError | string>;
}

/**
 * What a destination archiver returns (`archivers[name]`). It is also the task handed to a
 * source archiver's `get()`: a provider task `{archiver: meta}` arrives as `results = meta`.
 */
export class ArchiverResponse {
  results: Record<string, unknown> | null;
  errors: Array<StoqError | string>;

  constructor(init: ArchiverResponseInit = {}) {
    this.results = init.results ?? null;
    this.errors = init.errors ?? [];
  }

  toJSON() {
    return { results: this.results, errors: this.errors };
  }

  toString(): string {
    return JSON.stringify(this, null, 4);
  }
}
