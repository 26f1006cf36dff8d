import { from, mergeMap, type OperatorFunction } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import { ArchiverResponse } from '../src/model/archiver-response.js';
import { Payload } from '../src/model/payload.js';
import { Request } from '../src/model/request.js';
import { RequestMeta } from '../src/model/request-meta.js';
import { PayloadMeta } from '../src/model/payload-meta.js';
import { itemMeta, type ProviderItem } from '../src/plugin/provider-item.js';
import type { Engine } from './internal/engine.js';
import { invokePlugin } from './internal/invoke.js';
import { traceCarrierOf, withTraceCarrier } from '../src/tracing/trace-carrier.js';

const isPayloadLike = (v: unknown): v is Payload => v instanceof Payload || (typeof v === 'object' && v !== null && 'content' in v && 'results' in v);
const isRequestLike = (v: unknown): v is Request => v instanceof Request || (typeof v === 'object' && v !== null && 'payloads' in v && 'request_meta' in v);

function metaFor(requestMeta: RequestMeta | undefined): RequestMeta {
  // A fresh copy per request: mutations by plugins must not leak into the next request (UD-30).
  return requestMeta ? requestMeta.clone() : new RequestMeta();
}

/** The item's meta wins, but the archiver's extra_data (where it fetched from) is kept under it. */
function mergePayloadMeta(fromArchiver: PayloadMeta | undefined, fromItem: PayloadMeta): PayloadMeta {
  return new PayloadMeta({
    should_archive: fromItem.should_archive,
    should_scan: fromItem.should_scan,
    dispatch_to: [...fromItem.dispatch_to],
    extra_data: { ...(fromArchiver?.extra_data ?? {}), ...structuredClone(fromItem.extra_data) },
  });
}

async function itemToRequests(engine: Engine, item: ProviderItem, options: ToRequestsOptions): Promise<Request[]> {
  const { requestMeta, signal, errors } = options;
  if (isPayloadLike(item)) return [withTraceCarrier(new Request({ payloads: [item], request_meta: metaFor(requestMeta) }), traceCarrierOf(item))];
  if (isRequestLike(item)) {
    if (requestMeta && (!(item.request_meta instanceof RequestMeta) || item.request_meta.isDefault())) item.request_meta = metaFor(requestMeta);
    return [item];
  }
  const fail = (pluginName: string | null, error: string) => {
    engine.log.warn({ plugin: pluginName }, error);
    errors?.push(error);
    engine.failures.next({ stage: 'task', plugin_name: pluginName, error });
  };
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    fail(null, `Provider item ignored: expected a Payload, a Request or an {archiver: meta} task, got ${Array.isArray(item) ? 'an array' : typeof item}`);
    return [];
  }
  const requests: Request[] = [];
  const own = itemMeta(item);
  for (const [archiverName, taskMeta] of Object.entries(item)) {
    engine.log.debug({ source_archiver: archiverName, task_meta: taskMeta }, 'Provider task received');
    const archiver = engine.sourceArchivers.get(archiverName);
    if (!archiver?.get) {
      fail(archiverName, `"${JSON.stringify(taskMeta)}" failed with archiver "${archiverName}": no such source archiver is loaded`);
      continue;
    }
    try {
      const task = new ArchiverResponse({ results: taskMeta as Record<string, unknown> });
      const payload = await invokePlugin(engine, archiver, (c) => archiver.get!(task, c), { signal, log: archiver.log });
      if (payload) {
        if (own?.payload_meta) payload.results.payload_meta = mergePayloadMeta(payload.payload_meta, own.payload_meta);
        requests.push(withTraceCarrier(new Request({ payloads: [payload], request_meta: metaFor(own?.request_meta ?? requestMeta) }), traceCarrierOf(item)));
      } else fail(archiverName, `"${JSON.stringify(taskMeta)}" failed with archiver "${archiverName}": it returned no payload`);
    } catch (err) {
      fail(archiverName, `"${JSON.stringify(taskMeta)}" failed with archiver "${archiverName}": ${formatError(err)}`);
    }
  }
  return requests;
}

export interface ToRequestsOptions {
  /** Request metadata for items that bring none (a copy per request). */
  requestMeta?: RequestMeta;
  /** Cancels source archivers' fetches. */
  signal?: AbortSignal;
  /** Collects why an item (or part of it) could not become a request, for its acknowledgement. */
  errors?: string[];
  /** Items turned into requests at once (default: all). */
  concurrency?: number;
}

/**
 * Provider items in, requests out. A `Payload` becomes a request of its own; a `Request` keeps
 * its metadata unless it is all defaults (then `requestMeta` applies); a task
 * `{archiverName: meta}` is fetched through that source archiver, one request per entry (with the
 * task's own metadata when it carries some, see `withItemMeta`). What cannot be turned into a
 * request is logged and published on `engine.failures`, never thrown (upstream could hang the
 * run, UD-05).
 *
 * @example
 * ingest(engine, providers, context).pipe(toRequests(engine)).subscribe((request) => console.log(request.payloads.length));
 */
export function toRequests(engine: Engine, options: ToRequestsOptions = {}): OperatorFunction<ProviderItem, Request> {
  return mergeMap((item) => from(itemToRequests(engine, item, options)).pipe(mergeMap((requests) => from(requests))), options.concurrency ?? Infinity);
}
