/**
 * The pipeline, stage by stage. A request flows:
 *
 *   ingest        providers' Observables merged into one stream of items   (ingest.ts)
 *   toRequests    items → requests (tasks fetched through source archivers)   (to-requests.ts)
 *   scanRequest   one request → one response, composed of:                 (scan-request.ts)
 *     extract       expand over payloads: each is scanned, extracted ones recurse (extract.ts)
 *       scanPayload   dispatch → work until the payload is quiet             (scan-payload.ts)
 *         dispatch      always_dispatch + dispatchers pick workers           (dispatch.ts)
 *         work          run one worker, record its results                   (work.ts)
 *     archive       destination archivers                                    (archive.ts)
 *     respond       ordered results → StoqResponse                           (respond.ts)
 *     decorate      decorators                                               (decorate.ts)
 *   connect       connectors save the response                               (connect.ts)
 */
export { archive, archivePayload } from './archive.js';
export { connect, saveResponse } from './connect.js';
export { decorate, decorateResponse } from './decorate.js';
export { dispatch, dispatchPayload, type Dispatch } from './dispatch.js';
export { acceptExtracted, admit, extract } from './extract.js';
export { ingest } from './ingest.js';
export { createEngine, type EngineOptions } from './internal/create-engine.js';
export type { Engine, Failure } from './internal/engine.js';
export { invokePlugin, PluginTimeoutError, ScanCancelledError } from './internal/invoke.js';
export { createScanContext, RequestDeadlineError, type PayloadNode, type ScanContext, type ScanRequestOptions } from './internal/scan-context.js';
export { parseRateLimit, rateLimit, type RateLimit } from './rate-limit.js';
export { reconstructSubresponses } from './reconstruct.js';
export { orderPayloads, respond, toResponse } from './respond.js';
export { scanPayload, scanPayloadWork, type WaveOutcome } from './scan-payload.js';
export { scanRequest } from './scan-request.js';
export { itemToRequests, toRequests } from './to-requests.js';
export { runWorker, work, type WorkOutcome, type WorkTask } from './work.js';
