/**
 * The pipeline, stage by stage. Every stage is an RxJS operator; `Stoq` and the CLI are
 * compositions of exactly these, and a pipeline of your own is built from the same parts.
 *
 * A provider run (`stoq run`, `Stoq.run`, `consume`):
 *
 *   ingest        providers' Observables merged into one stream of items, pulled with credits  ingest.ts, credits.ts
 *   scanItems     item → its requests → their responses, `provider_consumers` items at once     scan-items.ts
 *     toRequests    item → requests (tasks fetched through source archivers)                    to-requests.ts
 *     scanRequest   one request → one response (below)                                          scan-request.ts
 *   connect       every connector saves each response                                           connect.ts
 *   acknowledge   the provider hears how its item went; the item's credit goes back             acknowledge.ts
 *   (gracefulShutdown: stop reading at once, cancel scans after a grace period)                 shutdown.ts
 *
 * One request (`scanRequest`, `Stoq.scan`):
 *
 *   extract       expand over payloads: each is scanned, extracted ones recurse                  extract.ts
 *     scanPayload   one payload: dispatch, then work on what is ready, until it is quiet         scan-payload.ts
 *       dispatch      always_dispatch + dispatchers pick workers                                dispatch.ts
 *       work          run one worker on one payload, record its results                         work.ts
 *   archive       destination archivers                                                         archive.ts
 *   respond       ordered results → StoqResponse                                                respond.ts
 *   decorate      decorators                                                                    decorate.ts
 *
 * After the fact: reconstructSubresponses (reconstruct.ts); pacing: rateLimit (rate-limit.ts).
 * The engine (createEngine) holds the settings and loaded plugins every stage reads.
 */
export { acknowledge, type ItemReceipt } from './acknowledge.js';
export { archive } from './archive.js';
export { connect } from './connect.js';
export { consume, type ConsumeOptions } from './consume.js';
export { Credits } from './credits.js';
export { decorate } from './decorate.js';
export { dispatch, type Dispatch, type DispatchOptions } from './dispatch.js';
export { extract } from './extract.js';
export { ingest } from './ingest.js';
export { createEngine, type EngineOptions } from './internal/create-engine.js';
export type { Engine, Failure } from './internal/engine.js';
export { PluginTimeoutError, ScanCancelledError } from './internal/invoke.js';
export { createScanContext, RequestDeadlineError, type PayloadNode, type ScanContext, type ScanRequestOptions } from './internal/scan-context.js';
export { parseRateLimit, rateLimit, type RateLimit } from './rate-limit.js';
export { reconstructSubresponses } from './reconstruct.js';
export { respond } from './respond.js';
export { scanItems, type ScanItemsOptions, type ScannedItem } from './scan-items.js';
export { scanPayload } from './scan-payload.js';
export { scanRequest } from './scan-request.js';
export { gracefulShutdown, type Shutdown } from './shutdown.js';
export { toRequests, type ToRequestsOptions } from './to-requests.js';
export { work, type WorkOutcome, type WorkTask } from './work.js';
