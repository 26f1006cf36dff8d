import type { Payload } from './payload.js';
import { RequestMeta } from './request-meta.js';
import { StoqError } from './stoq-error.js';

export interface RequestInit {
  payloads?: Payload[];
  request_meta?: RequestMeta;
  errors?: Array<StoqError | string>;
}

/** The state of one scan: its payloads (extracted ones are appended), metadata and errors. */
export class Request {
  payloads: Payload[];
  request_meta: RequestMeta;
  errors: StoqError[];

  constructor(init: RequestInit = {}) {
    this.payloads = init.payloads ?? [];
    this.request_meta = init.request_meta ?? new RequestMeta();
    this.errors = (init.errors ?? []).map((e) => StoqError.from(e));
  }
}
