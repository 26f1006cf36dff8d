import { getSha256 } from '../hashing.js';
import { PayloadMeta } from './payload-meta.js';
import { PayloadResults } from './payload-results.js';

export type Content = Uint8Array | string;

export interface PayloadOptions {
  extractedBy?: string | string[];
  extractedFrom?: string | string[];
  payloadId?: string;
}

/** Bytes as a Buffer view without copying; strings are UTF-8 encoded. */
export function toBuffer(content: Content): Buffer {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  if (Buffer.isBuffer(content)) return content;
  if (content instanceof Uint8Array) return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  throw new TypeError(`Payload content must be a Uint8Array, Buffer or string, got ${describe(content)}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/** One piece of content under analysis, and the results gathered about it. */
export class Payload {
  readonly content: Buffer;
  /** What each dispatcher said about this payload (name → meta). Not serialised, as upstream. */
  dispatch_meta: Record<string, Record<string, unknown>> = {};
  readonly results: PayloadResults;
  #sha256: string | undefined;

  constructor(content: Content, payloadMeta?: PayloadMeta, options: PayloadOptions = {}) {
    this.content = toBuffer(content);
    this.results = new PayloadResults({
      size: this.content.byteLength,
      payload_id: options.payloadId,
      payload_meta: payloadMeta ?? new PayloadMeta(),
      extracted_by: options.extractedBy,
      extracted_from: options.extractedFrom,
    });
  }

  get payload_id(): string {
    return this.results.payload_id;
  }

  get payload_meta(): PayloadMeta {
    return this.results.payload_meta;
  }

  /** SHA-256 hex of the content, computed once and shared by dedup and the hash plugin. */
  get sha256(): string {
    this.#sha256 ??= getSha256(this.content);
    return this.#sha256;
  }

  /** The SHA-256 hex if it is already known, without computing it (so it can be computed elsewhere). */
  get cachedSha256(): string | undefined {
    return this.#sha256;
  }

  /** Lets a caller that already hashed the bytes (e.g. off the main thread) skip a second pass. */
  setSha256(hex: string): void {
    this.#sha256 = hex;
  }
}
