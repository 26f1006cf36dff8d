import type { StoqResponse } from 'rxstoq';

/**
 * PostgreSQL cannot store U+0000 in text or jsonb, nor a lone UTF-16 surrogate in jsonb. Both
 * become U+FFFD (the replacement character) in every string and object key: lossy, but visible,
 * and the rest of the response is kept as it was.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what must be found
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function storable(text: string): string {
  return text.replace(UNSTORABLE, '\ufffd');
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON value with every string and key made storable. */
export function storableJson(value: unknown): Json {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) out[storable(k)] = storableJson(v);
    return out;
  }
  return value as Json;
}

export interface ResponseRow {
  scan_id: string;
  time: string;
  request_meta: string;
  errors: string;
  response: string;
}

export interface PayloadRow {
  scan_id: string;
  payload_id: string;
  sha256: string | null;
  md5: string | null;
  sha1: string | null;
  size: number;
  filename: string | null;
  mimetype: string | null;
  extracted_from: string[];
  extracted_by: string[];
  depth: number;
}

export interface WorkerResultRow {
  scan_id: string;
  payload_id: string;
  plugin: string;
  result: string;
}

export interface ResponseRows {
  response: ResponseRow;
  payloads: PayloadRow[];
  workerResults: WorkerResultRow[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: unknown): text is string {
  return typeof text === 'string' && UUID.test(text);
}

/** The rows one response becomes; JSON columns as JSON text (cast to jsonb in the INSERT). */
export function responseRows(response: StoqResponse): ResponseRows {
  const whole = storableJson(response.toJSON()) as { [key: string]: Json };
  const scan_id = response.scan_id;
  const results = (whole['results'] as Array<{ [key: string]: Json }>) ?? [];
  const parents = new Map<string, string[]>();
  for (const r of results) parents.set(r['payload_id'] as string, (r['extracted_from'] as string[]) ?? []);
  const depth = depthOf(parents);
  const payloads: PayloadRow[] = [];
  const workerResults: WorkerResultRow[] = [];
  const seen = new Set<string>();
  for (const r of results) {
    const payload_id = r['payload_id'] as string;
    // A payload appears once per response; a repeat would break the primary key of the whole batch.
    if (seen.has(payload_id)) continue;
    seen.add(payload_id);
    const workers = (r['workers'] as { [key: string]: Json } | undefined) ?? {};
    const hash = workers['hash'] as { [key: string]: Json } | undefined;
    const mime = workers['mimetype'] as { [key: string]: Json } | undefined;
    const extra = ((r['payload_meta'] as { [key: string]: Json } | undefined)?.['extra_data'] as { [key: string]: Json } | undefined) ?? {};
    payloads.push({
      scan_id,
      payload_id,
      sha256: text(hash?.['sha256']),
      md5: text(hash?.['md5']),
      sha1: text(hash?.['sha1']),
      size: Number(r['size'] ?? 0),
      filename: text(extra['filename']),
      mimetype: text(mime?.['mimetype']),
      extracted_from: ((r['extracted_from'] as Json[]) ?? []).map(String),
      extracted_by: ((r['extracted_by'] as Json[]) ?? []).map(String),
      depth: depth(payload_id),
    });
    for (const [plugin, result] of Object.entries(workers)) {
      workerResults.push({ scan_id, payload_id, plugin, result: JSON.stringify(result) });
    }
  }
  return {
    response: {
      scan_id,
      time: response.time,
      request_meta: JSON.stringify(whole['request_meta'] ?? {}),
      errors: JSON.stringify(whole['errors'] ?? []),
      response: JSON.stringify(whole),
    },
    payloads,
    workerResults,
  };
}

function text(value: Json | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

/** Extraction depth: 0 for a payload with no parent in the response, else one more than its shallowest parent. */
function depthOf(parents: Map<string, string[]>): (id: string) => number {
  const memo = new Map<string, number>();
  const visit = (id: string, path: Set<string>): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const inResponse = (parents.get(id) ?? []).filter((p) => parents.has(p) && !path.has(p));
    path.add(id);
    const d = inResponse.length === 0 ? 0 : 1 + Math.min(...inResponse.map((p) => visit(p, path)));
    path.delete(id);
    memo.set(id, d);
    return d;
  };
  return (id) => visit(id, new Set());
}
