import { Payload } from '../model/payload.js';
import { PayloadMeta, type PayloadMetaInit } from '../model/payload-meta.js';
import { Request } from '../model/request.js';
import { RequestMeta, type RequestMetaInit } from '../model/request-meta.js';
import { toJsonValue } from '../model/json.js';
import { TRANSFER } from '../threads/wire.js';

/**
 * What crosses the thread boundary for one call. A thread gets a snapshot of the payload and of
 * the request metadata (not the other payloads); what the plugin changes on the payload's meta
 * comes back and is applied to the real payload.
 */
export type ThreadMethod = 'scan' | 'getDispatches';

export interface PayloadSnapshot {
  content: Uint8Array;
  payload_id: string;
  payload_meta: PayloadMetaInit;
  dispatch_meta: Record<string, Record<string, unknown>>;
  workers: Record<string, unknown>;
  plugins_run: { workers: string[]; archivers: string[] };
  extracted_from: string[];
  extracted_by: string[];
  sha256: string;
}

export interface CallMessage {
  method: ThreadMethod;
  payload: PayloadSnapshot;
  request_meta: RequestMetaInit;
}

/** A call's answer: the plugin's value, and its payload's meta as the plugin left it. */
export interface CallReply {
  value: unknown;
  payload_meta: PayloadMetaInit;
  /** The plugin's `cacheVariant()` after the call (its rules may have been reloaded in the thread). */
  variant?: string;
  /** The plugin's `gauges()` after the call. */
  gauges?: Record<string, number>;
  [TRANSFER]?: ArrayBuffer[];
}

export interface ThreadInit {
  modulePath: string;
  name: string;
  manifest: unknown;
  options: Record<string, unknown>;
  pluginDir: string;
  logLevel: string;
}

export function snapshotPayload(payload: Payload): PayloadSnapshot {
  const r = payload.results;
  return {
    // A copy: the main thread keeps scanning the payload with other plugins meanwhile.
    content: new Uint8Array(payload.content),
    payload_id: payload.payload_id,
    payload_meta: payload.payload_meta.toJSON(),
    dispatch_meta: toJsonValue(payload.dispatch_meta) as PayloadSnapshot['dispatch_meta'],
    workers: toJsonValue(r.workers) as Record<string, unknown>,
    plugins_run: { workers: [...r.plugins_run.workers], archivers: [...r.plugins_run.archivers] },
    extracted_from: [...r.extracted_from],
    extracted_by: [...r.extracted_by],
    sha256: payload.sha256,
  };
}

export function restorePayload(s: PayloadSnapshot): Payload {
  const payload = new Payload(s.content, new PayloadMeta(s.payload_meta), {
    payloadId: s.payload_id,
    extractedFrom: s.extracted_from,
    extractedBy: s.extracted_by,
  });
  payload.setSha256(s.sha256);
  payload.dispatch_meta = s.dispatch_meta;
  payload.results.workers = s.workers;
  payload.results.plugins_run = s.plugins_run;
  return payload;
}

export function restoreRequest(payload: Payload, meta: RequestMetaInit): Request {
  return new Request({ payloads: [payload], request_meta: new RequestMeta(meta) });
}

/** Apply the meta a thread sent back onto the real payload (dispatchers may change it). */
export function applyPayloadMeta(payload: Payload, meta: PayloadMetaInit | undefined): void {
  if (!meta) return;
  const target = payload.payload_meta;
  if (meta.should_archive !== undefined) target.should_archive = meta.should_archive;
  if (meta.should_scan !== undefined) target.should_scan = meta.should_scan;
  if (meta.extra_data !== undefined) target.extra_data = meta.extra_data;
  if (meta.dispatch_to !== undefined) target.dispatch_to = meta.dispatch_to;
}
