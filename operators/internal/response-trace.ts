import type { StoqResponse } from '../../src/model/stoq-response.js';
import type { Traced } from '../../src/tracing/spans.js';
import type { CallTrace } from './invoke.js';

/**
 * Decorators and connectors see only the response, after its request's span may have ended; the
 * response remembers its request's trace context so their calls still join that trace.
 */
const traces = new WeakMap<StoqResponse, Traced>();

export function traceResponse(response: StoqResponse, trace: Traced): void {
  traces.set(response, trace);
}

export function responseCallTrace(response: StoqResponse, role: string): CallTrace | undefined {
  const trace = traces.get(response);
  return trace && { parent: trace.context, role, attributes: { 'stoq.scan_id': response.scan_id } };
}
