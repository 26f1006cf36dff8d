import { z } from 'zod';

/**
 * The wire format of a response: upstream stoQ v3's JSON, which existing sinks consume. The
 * JSON Schema shipped in `schema/stoq-response.schema.json` is generated from these.
 */
const json = z.unknown();

export const WireErrorSchema = z.object({
  error: z.string(),
  plugin_name: z.string().nullable(),
  payload_id: z.string().nullable(),
  /** rxstoq extension: a stable machine-readable code, when the core knows one. */
  code: z.string().optional(),
});

export const WirePayloadMetaSchema = z.object({
  should_archive: z.boolean(),
  should_scan: z.boolean(),
  extra_data: z.record(z.string(), json),
  dispatch_to: z.array(z.string()),
});

export const WirePayloadResultsSchema = z.object({
  size: z.number().int().nonnegative(),
  payload_id: z.string().min(1),
  payload_meta: WirePayloadMetaSchema,
  plugins_run: z.object({ workers: z.array(z.string()), archivers: z.array(z.string()) }),
  extracted_from: z.array(z.string()),
  extracted_by: z.array(z.string()),
  /** Workers whose answers came from the result cache (rxstoq; absent when none did). */
  cached_workers: z.array(z.string()).optional(),
  workers: z.record(z.string(), json),
  archivers: z.record(z.string(), json),
});

export const WireRequestMetaSchema = z.object({
  archive_payloads: z.boolean(),
  source: z.string().nullable(),
  extra_data: z.record(z.string(), json),
});

export const WireStoqResponseSchema = z
  .object({
    results: z.array(WirePayloadResultsSchema),
    request_meta: WireRequestMetaSchema,
    errors: z.array(WireErrorSchema),
    time: z.iso.datetime({ offset: true }),
    decorators: z.record(z.string(), json),
    scan_id: z.string().min(1),
  })
  .meta({ title: 'StoqResponse', description: 'One scan response (upstream stoQ v3 JSON shape, as produced by rxstoq)' });

export type WireStoqResponse = z.infer<typeof WireStoqResponseSchema>;

/** The JSON Schema (draft 2020-12) of a response. */
export function responseJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(WireStoqResponseSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
