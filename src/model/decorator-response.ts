import type { StoqError } from './stoq-error.js';

export interface DecoratorResponseInit {
  results?: unknown;
  errors?: Array<StoqError | string>;
}

/** What a decorator adds to a whole response (`decorators[name]`). */
export class DecoratorResponse {
  results: unknown;
  errors: Array<StoqError | string>;

  constructor(init: DecoratorResponseInit = {}) {
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
