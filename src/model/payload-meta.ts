export interface PayloadMetaInit {
  should_archive?: boolean;
  should_scan?: boolean;
  extra_data?: Record<string, unknown>;
  dispatch_to?: string[];
}

/** How a payload is to be treated: archived or not, scanned or not, and where to send it. */
export class PayloadMeta {
  should_archive: boolean;
  should_scan: boolean;
  extra_data: Record<string, unknown>;
  dispatch_to: string[];

  constructor(init: PayloadMetaInit = {}) {
    this.should_archive = init.should_archive ?? true;
    this.should_scan = init.should_scan ?? true;
    this.extra_data = init.extra_data ?? {};
    this.dispatch_to = init.dispatch_to ?? [];
  }

  toJSON() {
    return {
      should_archive: this.should_archive,
      should_scan: this.should_scan,
      extra_data: this.extra_data,
      dispatch_to: this.dispatch_to,
    };
  }

  toString(): string {
    return JSON.stringify(this, null, 4);
  }
}
