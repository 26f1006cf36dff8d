import type { CallTrace } from './invoke.js';
import type { PayloadNode } from './scan-context.js';

/** Where a call on this payload sits in its request's trace (nothing when the request is not traced). */
export function callTrace(node: PayloadNode, role: string): CallTrace | undefined {
  return node.trace && { parent: node.trace.context, role, attributes: { 'stoq.payload_id': node.payload.payload_id } };
}
