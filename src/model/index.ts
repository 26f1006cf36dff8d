export { ArchiverResponse, type ArchiverResponseInit } from './archiver-response.js';
export { DecoratorResponse, type DecoratorResponseInit } from './decorator-response.js';
export { DispatcherResponse, type DispatcherResponseInit } from './dispatcher-response.js';
export { ExtractedPayload } from './extracted-payload.js';
export { bytesToText, dumps, toJsonValue, type DumpOptions, type JsonValue } from './json.js';
export { Payload, toBuffer, type Content, type PayloadOptions } from './payload.js';
export { PayloadMeta, type PayloadMetaInit } from './payload-meta.js';
export { PayloadResults, type PayloadResultsInit, type PluginsRun } from './payload-results.js';
export { Request, type RequestInit } from './request.js';
export { RequestMeta, type RequestMetaInit } from './request-meta.js';
export { StoqError } from './stoq-error.js';
export { isoNow, StoqResponse, type StoqResponseInit } from './stoq-response.js';
export { WorkerResponse, type WorkerResponseInit } from './worker-response.js';
export {
  WireErrorSchema,
  WirePayloadMetaSchema,
  WirePayloadResultsSchema,
  WireRequestMetaSchema,
  WireStoqResponseSchema,
  responseJsonSchema,
  type WireStoqResponse,
} from './wire-schema.js';
