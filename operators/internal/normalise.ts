import { PayloadMeta, type PayloadMetaInit } from '../../src/model/payload-meta.js';
import { StoqError } from '../../src/model/stoq-error.js';
import type { Content } from '../../src/model/payload.js';

/**
 * Plugin return values cross a trust boundary: a plugin may return a class instance, a plain
 * object, or garbage. These turn the first two into one shape and reject the third with a
 * message saying what was wrong (upstream crashed the whole scan, UD-04).
 */
class InvalidPluginResponse extends Error {
  readonly code = 'INVALID_RESPONSE';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPluginResponse';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function list<T>(v: unknown, field: string, check: (x: unknown) => x is T, what: string): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InvalidPluginResponse(`"${field}" must be an array, got ${typeof v}`);
  v.forEach((x, i) => {
    if (!check(x)) throw new InvalidPluginResponse(`"${field}[${i}]" must be ${what}`);
  });
  return v as T[];
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isErrorLike = (x: unknown): x is StoqError | string => typeof x === 'string' || (isObject(x) && 'error' in x);

export interface NormalisedExtracted {
  content: Content;
  payload_meta: PayloadMeta;
}

export interface NormalisedWorkerResponse {
  results: unknown;
  extracted: NormalisedExtracted[];
  errors: StoqError[];
  dispatch_to: string[];
}

function toPayloadMeta(v: unknown, field: string): PayloadMeta {
  if (v === undefined || v === null) return new PayloadMeta();
  if (v instanceof PayloadMeta) return v;
  if (!isObject(v)) throw new InvalidPluginResponse(`"${field}" must be an object`);
  return new PayloadMeta(v as PayloadMetaInit);
}

// Most answers have nothing extracted, no errors and no dispatch_to: they share these (read-only).
const NO_EXTRACTED: NormalisedExtracted[] = [];
const NO_ERRORS: StoqError[] = [];
const NO_NAMES: string[] = [];
const isEmpty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);

export function normaliseWorkerResponse(v: unknown): NormalisedWorkerResponse | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new InvalidPluginResponse(`expected a WorkerResponse, got ${Array.isArray(v) ? 'an array' : typeof v}`);
  if (isEmpty(v.extracted) && isEmpty(v.errors) && isEmpty(v.dispatch_to)) {
    return { results: v.results ?? null, extracted: NO_EXTRACTED, errors: NO_ERRORS, dispatch_to: NO_NAMES };
  }
  const extracted = list(v.extracted, 'extracted', isObject, 'an ExtractedPayload').map((e, i) => {
    const content = e.content;
    if (typeof content !== 'string' && !(content instanceof Uint8Array)) {
      throw new InvalidPluginResponse(`"extracted[${i}].content" must be bytes or a string`);
    }
    return { content, payload_meta: toPayloadMeta(e.payload_meta, `extracted[${i}].payload_meta`) };
  });
  return {
    results: v.results ?? null,
    extracted,
    errors: list(v.errors, 'errors', isErrorLike, 'an Error or a string').map((e) => StoqError.from(e)),
    dispatch_to: list(v.dispatch_to, 'dispatch_to', isString, 'a plugin name'),
  };
}

interface NormalisedDispatch {
  plugin_names: string[];
  meta: Record<string, unknown>;
  errors: StoqError[];
}

export function normaliseDispatcherResponse(v: unknown): NormalisedDispatch | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new InvalidPluginResponse(`expected a DispatcherResponse, got ${typeof v}`);
  if (v.meta !== undefined && v.meta !== null && !isObject(v.meta)) throw new InvalidPluginResponse('"meta" must be an object');
  return {
    plugin_names: list(v.plugin_names, 'plugin_names', isString, 'a plugin name'),
    meta: (v.meta as Record<string, unknown>) ?? {},
    errors: list(v.errors, 'errors', isErrorLike, 'an Error or a string').map((e) => StoqError.from(e)),
  };
}

interface NormalisedResultsResponse {
  results: unknown;
  errors: StoqError[];
}

/** Decorator and archiver responses share the `{results, errors}` shape. */
export function normaliseResultsResponse(v: unknown, kind: string): NormalisedResultsResponse | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new InvalidPluginResponse(`expected a ${kind}, got ${typeof v}`);
  return {
    results: v.results ?? null,
    errors: list(v.errors, 'errors', isErrorLike, 'an Error or a string').map((e) => StoqError.from(e)),
  };
}

/** Error code from an exception, when it carries one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  // Whichever thread it was (an isolated plugin's, decompress's, the pool's), the plugin ran out.
  if (code === 'THREAD_OUT_OF_MEMORY') return 'PLUGIN_OUT_OF_MEMORY';
  return typeof code === 'string' ? code : undefined;
}
