import { ExtractedPayload, PayloadMeta, StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { CfbError, CfbReader } from './cfb-reader.js';
import { readMessage, type Part } from './read-message.js';
import { serialiseStorage } from './serialise-storage.js';

const OptionsSchema = z.object({
  /** Largest .msg read, in bytes; a larger payload gets an error and no results. */
  max_size: z.number().int().positive().default(100_000_000),
  /** Largest single stream (attachment, body) read, in bytes. */
  max_stream_size: z.number().int().positive().default(50_000_000),
  /** Largest attachment extracted, in bytes; larger ones are listed, not extracted. */
  max_attachment_size: z.number().int().positive().default(50_000_000),
  /** Compound-file directory entries read at most. */
  max_entries: z.number().int().positive().default(100_000),
  /** Storages nested deeper than this are not read (each embedded message adds two levels). */
  max_storage_depth: z.number().int().positive().default(64),
  /** Recipients read at most. */
  max_recipients: z.number().int().positive().default(10_000),
  /** Attachments read at most. */
  max_attachments: z.number().int().positive().default(1_000),
  /** Decompressed RTF body kept at most, in bytes. */
  max_rtf_size: z.number().int().positive().default(20_000_000),
  /** Characters of body and body_html kept in results (extracted payloads are whole). */
  max_result_text: z.number().int().positive().default(100_000),
  /** URLs listed at most. */
  max_urls: z.number().int().positive().default(1_000),
  /** Transport header fields read at most. */
  max_header_fields: z.number().int().positive().default(1_000),
  /** Extract the decompressed RTF body as a payload (dispatched to `rtf`). */
  extract_rtf: z.boolean().default(true),
});

/**
 * Outlook .msg files ([MS-OXMSG]): sender, recipients, subject, dates, transport headers with the
 * Received chain, text/HTML/RTF bodies, URLs, and attachments. Bodies and attachments are
 * extracted; an embedded message (or OLE object) is extracted as a compound file of its own, so
 * it is scanned again by this plugin (or by OLE routing) as its own payload.
 */
export class MsgPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  scan(payload: Payload): WorkerResponse {
    const o = this.options;
    const error = (message: string) => new StoqError(`msg: ${message}`, this.plugin_name, payload.payload_id);
    if (payload.content.length > o.max_size) {
      return new WorkerResponse({ errors: [error(`payload is ${payload.content.length} bytes, more than max_size (${o.max_size}); not read`)] });
    }
    let reader: CfbReader;
    try {
      reader = new CfbReader(payload.content, { maxEntries: o.max_entries, maxDepth: o.max_storage_depth, maxStreamSize: o.max_stream_size });
    } catch (e) {
      if (e instanceof CfbError) return new WorkerResponse({ errors: [error(e.message)] });
      throw e;
    }
    const problems = reader.problems;
    const isMessage = reader.root.children.some((c) => /^__(properties_version1\.0|substg1\.0_)/i.test(c.name));
    if (!isMessage) {
      const names = reader.root.children.slice(0, 5).map((c) => c.name);
      return new WorkerResponse({
        errors: [
          error(`not an Outlook message: the compound file's root has no __properties_version1.0 or __substg1.0_ entries (it has ${JSON.stringify(names)})`),
        ],
      });
    }
    const { result, parts } = readMessage(
      reader,
      reader.root,
      false,
      {
        maxRecipients: o.max_recipients,
        maxAttachments: o.max_attachments,
        maxAttachmentSize: o.max_attachment_size,
        maxRtfSize: o.max_rtf_size,
        maxResultText: o.max_result_text,
        maxUrls: o.max_urls,
        maxHeaderFields: o.max_header_fields,
      },
      problems,
    );
    const extracted = parts.flatMap((part) => this.#extract(reader, part));
    const errors = [...new Set(problems)].map(error);
    return new WorkerResponse({ results: result, extracted, errors });
  }

  #extract(reader: CfbReader, part: Part): ExtractedPayload[] {
    const meta = (extra_data: Record<string, unknown>, dispatch_to: string[] = []) => new PayloadMeta({ extra_data, dispatch_to });
    switch (part.kind) {
      case 'body':
        return [new ExtractedPayload(part.data, meta({ filename: 'body.txt', content_type: 'text/plain; charset=utf-8', msg_part: 'body' }))];
      case 'html':
        return [new ExtractedPayload(part.data, meta({ filename: 'body.html', content_type: 'text/html', msg_part: `body_html_${part.source}` }, ['html']))];
      case 'rtf':
        return this.options.extract_rtf
          ? [new ExtractedPayload(part.data, meta({ filename: 'body.rtf', content_type: 'application/rtf', msg_part: 'body_rtf' }, ['rtf']))]
          : [];
      case 'attachment':
        return [
          new ExtractedPayload(
            part.data,
            meta({
              filename: part.filename,
              content_type: part.content_type,
              content_id: part.content_id,
              msg_part: 'attachment',
              attachment_index: part.index,
            }),
          ),
        ];
      case 'storage': {
        const data = serialiseStorage(reader, part.storage, part.message);
        const extra = {
          filename: part.filename ?? (part.message ? `attachment_${part.index}.msg` : `attachment_${part.index}.ole`),
          attachment_index: part.index,
        };
        return part.message
          ? [new ExtractedPayload(data, meta({ ...extra, content_type: 'application/vnd.ms-outlook', msg_part: 'embedded_message' }, ['msg']))]
          : [new ExtractedPayload(data, meta({ ...extra, content_type: 'application/x-ole-storage', msg_part: 'ole_object' }))];
      }
    }
  }
}
