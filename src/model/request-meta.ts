export interface RequestMetaInit {
  archive_payloads?: boolean;
  source?: string | null;
  extra_data?: Record<string, unknown>;
}

/** Metadata of one scan request, shared by all its payloads. */
export class RequestMeta {
  archive_payloads: boolean;
  source: string | null;
  extra_data: Record<string, unknown>;

  constructor(init: RequestMetaInit = {}) {
    this.archive_payloads = init.archive_payloads ?? true;
    this.source = init.source ?? null;
    this.extra_data = init.extra_data ?? {};
  }

  /** True when every field still has its default (upstream's `== RequestMeta()`). */
  isDefault(): boolean {
    return this.archive_payloads === true && this.source === null && Object.keys(this.extra_data).length === 0;
  }

  /** A deep copy, so one run's requests never share mutable metadata (upstream bug, UD-30). */
  clone(): RequestMeta {
    return new RequestMeta({
      archive_payloads: this.archive_payloads,
      source: this.source,
      extra_data: structuredClone(this.extra_data),
    });
  }

  toJSON() {
    return { archive_payloads: this.archive_payloads, source: this.source, extra_data: this.extra_data };
  }

  toString(): string {
    return JSON.stringify(this, null, 4);
  }
}
