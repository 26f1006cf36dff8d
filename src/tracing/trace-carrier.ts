import { context, propagation } from '@opentelemetry/api';

/** W3C trace context as text fields (`traceparent`, `tracestate`): what crosses a queue or an HTTP hop. */
export type TraceCarrier = Record<string, string>;

const CARRIER = Symbol.for('rxstoq.traceCarrier');

/**
 * Attach the trace context a provider item arrived with (a queue entry's `traceparent`), so the
 * request it becomes is traced as a child of whoever submitted it.
 */
export function withTraceCarrier<T extends object>(item: T, carrier: TraceCarrier | undefined): T {
  if (carrier && Object.keys(carrier).length > 0) Object.defineProperty(item, CARRIER, { value: carrier, enumerable: false, configurable: true });
  return item;
}

/** The trace context attached with `withTraceCarrier`, if any. */
export function traceCarrierOf(item: unknown): TraceCarrier | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  return (item as { [CARRIER]?: TraceCarrier })[CARRIER];
}

/** The active trace context as text fields, for a producer to send along (empty when nothing is traced). */
export function currentTraceCarrier(): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}
