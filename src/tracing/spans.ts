import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { VERSION } from '../version.js';
import type { TraceCarrier } from './trace-carrier.js';

/**
 * Spans for requests, payloads and plugin calls, through `@opentelemetry/api`: no-ops unless the
 * application registers an OpenTelemetry SDK. A request whose span does not record (no SDK, or
 * sampled out) makes no payload or plugin spans at all, so tracing costs nothing when it is off.
 */
// One proxy tracer for the process: it follows whatever provider the application registers later,
// and asking the API for a tracer per request would allocate one each time.
const TRACER = trace.getTracer('rxstoq', VERSION);

/** A traced unit of work: its span, and the context its children are started in. */
export interface Traced {
  span: Span;
  context: Context;
}

/** The span of one request, child of `carrier`'s context (a submitter's) or of the active one; undefined when not recording. */
export function startRequestSpan(scanId: string, carrier?: TraceCarrier): Traced | undefined {
  const parent = carrier ? propagation.extract(ROOT_CONTEXT, carrier) : context.active();
  const span = TRACER.startSpan('stoq.request', { kind: SpanKind.INTERNAL, attributes: { 'stoq.scan_id': scanId } }, parent);
  if (!span.isRecording()) return undefined;
  return { span, context: trace.setSpan(parent, span) };
}

/** The span of one payload's scan, under its request's. */
export function startPayloadSpan(parent: Context, payloadId: string, sha256: string, depth: number, scanId: string): Traced {
  const span = TRACER.startSpan(
    'stoq.payload',
    { attributes: { 'stoq.scan_id': scanId, 'stoq.payload_id': payloadId, 'stoq.sha256': sha256, 'stoq.depth': depth } },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** The span of one plugin call. */
export function startPluginSpan(parent: Context, plugin: string, role: string, attributes: Record<string, string>): Span {
  return TRACER.startSpan(`stoq.plugin ${plugin}`, { attributes: { 'stoq.plugin': plugin, 'stoq.role': role, ...attributes } }, parent);
}

/** End a span, as failed with `code` when one is given. */
export function endSpan(span: Span, failure?: { code?: string; message: string }): void {
  if (failure) {
    if (failure.code) span.setAttribute('stoq.error_code', failure.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  }
  span.end();
}
