import { ExtractedPayload, PayloadMeta, StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { analyse } from './analyse.js';
import { PdfDocument } from './document.js';
import { readEncryption } from './encryption.js';
import type { PdfResult } from './pdf-result.js';

const OptionsSchema = z.object({
  /** Indirect objects read at most (xref entries, scanned objects and object stream members). */
  max_objects: z.number().int().positive().default(200_000),
  /** Decoded bytes of any one stream at most; a stream that would decode to more is not decoded. */
  max_stream_bytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  /** Decoded bytes of all streams of one payload at most. */
  max_total_decoded_bytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
  /** References followed in a chain (1 0 R → 2 0 R → …) before giving up. */
  max_reference_depth: z.number().int().positive().default(64),
  /** JavaScript scripts extracted as payloads at most. */
  max_javascript: z.number().int().nonnegative().default(100),
  /** Embedded files extracted as payloads at most. */
  max_embedded_files: z.number().int().nonnegative().default(100),
  /** Characters of the XMP packet kept in the results. */
  max_xmp_chars: z.number().int().nonnegative().default(16_384),
});

/**
 * PDF documents, read by a tolerant object parser of our own (no rendering): version,
 * encryption, page count, Info and XMP metadata, object types, actions (URI, Launch,
 * JavaScript, OpenAction, /AA), and JavaScript and embedded files extracted. Damaged files are
 * read as far as they go; each problem is an error of the response and the results are kept.
 */
export class PdfPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  scan(payload: Payload): WorkerResponse {
    const doc = new PdfDocument(payload.content, this.options);
    const encryption = readEncryption(doc);
    const readable = encryption === null || encryption.decrypted;
    if (!readable) doc.note('encrypted, and the empty user password does not open it: strings and streams are not decrypted');
    else doc.addObjectStreamMembers();
    const { result, extracted } = analyse(doc, this.options, readable);
    const { version, catalog_version, header_offset, linearized, xref, ...rest } = result;
    const results: PdfResult = { version, catalog_version, header_offset, linearized, xref, encryption, ...rest };
    const errors = doc.damage.map((d) => new StoqError(`pdf: ${d}`, this.plugin_name, payload.payload_id));
    const payloads = extracted.map(
      (e) =>
        new ExtractedPayload(
          e.data,
          new PayloadMeta({
            extra_data: { filename: e.filename, pdf_object: e.object, pdf_kind: e.kind },
            dispatch_to: e.kind === 'javascript' ? ['javascript'] : [],
          }),
        ),
    );
    return new WorkerResponse({ results: results as unknown as Record<string, unknown>, extracted: payloads, errors });
  }
}
