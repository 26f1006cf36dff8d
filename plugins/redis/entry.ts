import { z } from 'zod';
import type { ArchiverTask, PayloadMeta, RequestMeta } from 'rxstoq';

/**
 * The wire format of one task-stream entry (format version 1). Fields are Redis stream fields:
 *
 * - `v`            "1" (optional; any other value is rejected)
 * - `content`      the payload bytes, inline, or
 * - `task`         JSON `{"<source archiver>": {...task meta}}` for payloads stored elsewhere
 * - `payload_meta` JSON PayloadMeta (optional): should_archive, should_scan, extra_data, dispatch_to
 * - `request_meta` JSON RequestMeta (optional): archive_payloads, source, extra_data
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
  | { kind: 'payload'; content: Buffer; payload_meta?: PayloadMetaFields; request_meta?: RequestMetaFields }
  | { kind: 'task'; task: ArchiverTask; payload_meta?: PayloadMetaFields; request_meta?: RequestMetaFields };

export type DecodeResult = { ok: true; entry: DecodedEntry } | { ok: false; error: string };

const KNOWN_FIELDS = new Set(['v', 'content', 'task', 'payload_meta', 'request_meta']);

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
    const entry: DecodedEntry =
      content !== undefined ? { kind: 'payload', content, payload_meta, request_meta } : { kind: 'task', task: task!, payload_meta, request_meta };
    return { ok: true, entry };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Stream fields for an entry, ready for XADD. Default metadata is left out. */
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
  return fields;
}
