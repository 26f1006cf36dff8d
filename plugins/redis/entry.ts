import { z } from 'zod';
import { currentTraceCarrier, type ArchiverTask, type PayloadMeta, type RequestMeta, type TraceCarrier } from 'rxstoq';

/**
 * The wire format of one task-stream entry (format version 1). Fields are Redis stream fields:
 *
 * - `v`            "1" (optional; any other value is rejected)
 * - `content`      the payload bytes, inline, or
 * - `task`         JSON `{"<source archiver>": {...task meta}}` for payloads stored elsewhere
 * - `payload_meta` JSON PayloadMeta (optional): should_archive, should_scan, extra_data, dispatch_to
 * - `request_meta` JSON RequestMeta (optional): archive_payloads, source, extra_data
 * - `traceparent`, `tracestate` W3C trace context of the submitter (optional): the scan joins its trace
 *
 * Entries come from other machines and other programs, so every field is validated here.
 */
export const ENTRY_VERSION = '1';

const ExtraData = z.record(z.string(), z.unknown());

export const PayloadMetaWire = z
  .object({
    should_archive: z.boolean().optional(),
    should_scan: z.boolean().optional(),
    extra_data: ExtraData.optional(),
    dispatch_to: z.array(z.string()).optional(),
  })
  .strict();

export const RequestMetaWire = z
  .object({
    archive_payloads: z.boolean().optional(),
    source: z.string().nullable().optional(),
    extra_data: ExtraData.optional(),
  })
  .strict();

export const TaskWire = z
  .record(z.string().min(1), z.record(z.string(), z.unknown()))
  .refine((t) => Object.keys(t).length === 1, 'must name exactly one source archiver, like {"s3": {...}}');

export type PayloadMetaFields = z.infer<typeof PayloadMetaWire>;
export type RequestMetaFields = z.infer<typeof RequestMetaWire>;

export type DecodedEntry =
  | { kind: 'payload'; content: Buffer; payload_meta?: PayloadMetaFields; request_meta?: RequestMetaFields; trace?: TraceCarrier }
  | { kind: 'task'; task: ArchiverTask; payload_meta?: PayloadMetaFields; request_meta?: RequestMetaFields; trace?: TraceCarrier };

export type DecodeResult = { ok: true; entry: DecodedEntry } | { ok: false; error: string };

const KNOWN_FIELDS = new Set(['v', 'content', 'task', 'payload_meta', 'request_meta', 'traceparent', 'tracestate']);
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The submitter's trace context, if the entry carries a well-formed one. */
function traceOf(fields: Map<string, Buffer>): TraceCarrier | undefined {
  const traceparent = fields.get('traceparent')?.toString('utf8');
  if (traceparent === undefined) return undefined;
  if (!TRACEPARENT.test(traceparent)) throw new Error(`field "traceparent" is not a W3C traceparent: ${JSON.stringify(traceparent.slice(0, 80))}`);
  const tracestate = fields.get('tracestate')?.toString('utf8');
  if (tracestate !== undefined && tracestate.length > 512) throw new Error('field "tracestate" is longer than 512 characters');
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

function parseJsonField<T>(name: string, raw: Buffer | undefined, schema: z.ZodType<T>): T | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new Error(`field "${name}" is not valid JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
    throw new Error(`field "${name}" is invalid: ${why}`);
  }
  return parsed.data;
}

/** Validate an entry's fields; never throws. */
export function decodeEntry(fields: Map<string, Buffer>): DecodeResult {
  try {
    const unknown = [...fields.keys()].filter((k) => !KNOWN_FIELDS.has(k));
    if (unknown.length > 0) throw new Error(`unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
    const version = fields.get('v')?.toString('utf8') ?? ENTRY_VERSION;
    if (version !== ENTRY_VERSION) throw new Error(`unsupported entry format v=${JSON.stringify(version)} (this consumer reads v=${ENTRY_VERSION})`);
    const content = fields.get('content');
    const task = parseJsonField('task', fields.get('task'), TaskWire);
    if ((content === undefined) === (task === undefined)) throw new Error('an entry needs exactly one of the fields "content" or "task"');
    const payload_meta = parseJsonField('payload_meta', fields.get('payload_meta'), PayloadMetaWire);
    const request_meta = parseJsonField('request_meta', fields.get('request_meta'), RequestMetaWire);
    const trace = traceOf(fields);
    const entry: DecodedEntry =
      content !== undefined
        ? { kind: 'payload', content, payload_meta, request_meta, trace }
        : { kind: 'task', task: task!, payload_meta, request_meta, trace };
    return { ok: true, entry };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Stream fields for an entry, ready for XADD. Default metadata is left out; the active trace context (if any) goes along. */
export function encodeEntry(
  body: { content: Uint8Array } | { task: ArchiverTask },
  payloadMeta?: PayloadMeta,
  requestMeta?: RequestMeta,
): Array<string | Buffer> {
  const fields: Array<string | Buffer> = ['v', ENTRY_VERSION];
  if ('content' in body) fields.push('content', Buffer.from(body.content.buffer, body.content.byteOffset, body.content.byteLength));
  else fields.push('task', JSON.stringify(TaskWire.parse(body.task)));
  if (payloadMeta) fields.push('payload_meta', JSON.stringify(payloadMeta));
  if (requestMeta && !requestMeta.isDefault()) fields.push('request_meta', JSON.stringify(requestMeta));
  for (const [key, value] of Object.entries(currentTraceCarrier())) if (key === 'traceparent' || key === 'tracestate') fields.push(key, value);
  return fields;
}
