import { ExtractedPayload, PayloadMeta, StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { analysePe, type Analysis } from './analyse.js';
import { PeFormatError } from './pe-image.js';

const OptionsSchema = z.object({
  /** Section headers read at most (pefile reads 0x800). */
  max_sections: z.number().int().positive().default(2048),
  /** Imported symbols read at most, over all DLLs (pefile: 0x2000). */
  max_imports: z.number().int().positive().default(8192),
  /** Exported symbols read at most. */
  max_exports: z.number().int().positive().default(65536),
  /** Resource directory nesting followed at most (pefile: 32). */
  max_resource_depth: z.number().int().positive().default(32),
  /** Resource directory entries read at most, over the whole tree (pefile: 0x8000). */
  max_resource_entries: z.number().int().positive().default(32768),
  /** Largest resource extracted, bytes. */
  max_resource_size: z.number().int().positive().default(50_000_000),
  max_certificates: z.number().int().positive().default(16),
  max_tls_callbacks: z.number().int().positive().default(256),
  max_debug_entries: z.number().int().positive().default(64),
  /** Resources, the overlay and the certificate table's PKCS#7 blobs are extracted as payloads. */
  extract_resources: z.boolean().default(true),
  extract_overlay: z.boolean().default(true),
  extract_certificates: z.boolean().default(true),
});

/**
 * PE32 / PE32+ metadata: headers, sections, imports and imphash, exports, resources and version
 * strings, Rich header, debug directory, TLS callbacks, the Authenticode signer and the overlay.
 * A file that is not a PE is an error; a PE with a table that cannot be read gets its other
 * results and one error per problem.
 */
export class PeinfoPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  scan(payload: Payload): WorkerResponse {
    const o = this.options;
    const content = Buffer.from(payload.content.buffer, payload.content.byteOffset, payload.content.byteLength);
    let a: Analysis;
    try {
      a = analysePe(content, o);
    } catch (e) {
      if (e instanceof PeFormatError) throw new Error(`peinfo: not a PE file: ${e.message}`);
      throw e;
    }
    const wanted = { resource: o.extract_resources, overlay: o.extract_overlay, certificate: o.extract_certificates };
    const extracted = a.extracted
      .filter((x) => wanted[x.kind])
      .map((x) => new ExtractedPayload(new Uint8Array(x.data), new PayloadMeta({ extra_data: { peinfo: x.kind, ...x.meta } })));
    const errors = a.warnings.map((w) => new StoqError(`peinfo: ${w}`, this.plugin_name, payload.payload_id));
    return new WorkerResponse({ results: a.results, extracted, errors });
  }
}
