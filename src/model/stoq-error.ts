import { toJsonValue } from './json.js';

/**
 * One failure recorded in a response. Exported from the package root as `Error`, as upstream
 * names it; inside the code base it is `StoqError` so it never shadows the global `Error`.
 */
export class StoqError {
  error: string;
  plugin_name: string | null;
  payload_id: string | null;
  /** Stable machine-readable code (our extension; not serialised unless set). */
  code?: string;

  constructor(error: string, pluginName: string | null = null, payloadId: string | null = null, code?: string) {
    this.error = error;
    this.plugin_name = pluginName;
    this.payload_id = payloadId;
    if (code !== undefined) this.code = code;
  }

  /** Plain strings and foreign error-shaped objects become `StoqError`s (upstream accepted both). */
  static from(value: unknown): StoqError {
    if (value instanceof StoqError) return value;
    if (typeof value === 'string') return new StoqError(value);
    if (value instanceof globalThis.Error) return new StoqError(`${value.name}: ${value.message}`);
    if (value !== null && typeof value === 'object' && 'error' in value) {
      const v = value as { error: unknown; plugin_name?: unknown; payload_id?: unknown; code?: unknown };
      return new StoqError(
        typeof v.error === 'string' ? v.error : JSON.stringify(toJsonValue(v.error)),
        typeof v.plugin_name === 'string' ? v.plugin_name : null,
        typeof v.payload_id === 'string' ? v.payload_id : null,
        typeof v.code === 'string' ? v.code : undefined,
      );
    }
    return new StoqError(JSON.stringify(toJsonValue(value)));
  }

  toJSON() {
    const out: { error: string; plugin_name: string | null; payload_id: string | null; code?: string } = {
      error: this.error,
      plugin_name: this.plugin_name,
      payload_id: this.payload_id,
    };
    if (this.code !== undefined) out.code = this.code;
    return out;
  }

  toString(): string {
    return JSON.stringify(this, null, 4);
  }
}
