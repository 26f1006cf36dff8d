import { ExtractedPayload, PayloadMeta, StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { analyseMessage, type Extraction, unpackTnef } from './analyse-message.js';
import { isTnef } from './tnef.js';

const OptionsSchema = z.object({
  /** Leave the text and html bodies out of the results (they are still extracted), as upstream's option. */
  omit_body: z.boolean().default(false),
  /** Plugins every extracted attachment is also sent to (upstream's option). */
  always_dispatch: z.array(z.string()).default([]),
  /** Archive extracted attachments (upstream's option; bodies are archived too). */
  archive_attachments: z.boolean().default(true),
  /** Also extract one payload of header values and bodies for iocextract (upstream's option). */
  extract_iocs: z.boolean().default(false),
  /** Headers whose values go into the extract_iocs payload (upstream's list). */
  ioc_keys: z.array(z.string()).default(['received', 'x-orig-ip', 'x-originating-ip', 'x-remote-ip', 'x-sender-ip', 'body', 'body_html']),
  /** Attachments listed and extracted at most (TNEF members count too). */
  max_attachments: z.number().int().positive().default(500),
  /** Decoded bytes an attachment may have to be extracted (larger ones are listed, not extracted). */
  max_attachment_size: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  /** Multipart nesting followed at most; deeper parts are not read. */
  max_depth: z.number().int().positive().default(32),
  /** MIME parts read at most. */
  max_parts: z.number().int().positive().default(2000),
  /** Bytes of one header block read at most (the message's or a part's). */
  max_header_bytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** URLs listed at most. */
  max_urls: z.number().int().positive().default(1000),
  /** Unpack TNEF (winmail.dat, application/ms-tnef) attachments into the files they carry (upstream's separate tnef plugin). */
  unpack_tnef: z.boolean().default(true),
});

/**
 * RFC 5322 / MIME email: upstream's header map and bodies, plus parsed addresses, date, the
 * Received chain, Authentication-Results, URLs and the attachment list (under `email`). Bodies
 * and attachments are extracted; nested message/rfc822 parts go back to smtp through the engine.
 */
export class SmtpPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  scan(payload: Payload): WorkerResponse {
    const o = this.options;
    const content = Buffer.from(payload.content.buffer, payload.content.byteOffset, payload.content.byteLength);
    if (o.unpack_tnef && isTnef(content)) {
      // A bare winmail.dat (routed here by its signature): its members, as inside an email.
      const given = payload.results.payload_meta.extra_data['filename'];
      const t = unpackTnef(content, typeof given === 'string' ? given : 'winmail.dat', o, o.max_attachments);
      const errors = t.problems.map((p) => new StoqError(`smtp: ${p}`, this.plugin_name, payload.payload_id));
      return new WorkerResponse({ results: { tnef: t.summary }, extracted: t.extractions.map((x) => this.toPayload(x)), errors });
    }
    const a = analyseMessage(content, o);
    const extracted = a.extractions.map((x) => this.toPayload(x));
    if (o.extract_iocs) {
      const keys = new Set(o.ioc_keys.map((k) => k.toLowerCase()));
      const texts: string[] = [];
      for (const [k, v] of Object.entries(a.headers)) if (keys.has(k)) texts.push(v);
      for (const x of a.extractions)
        if ((x.kind === 'body' && keys.has('body')) || (x.kind === 'body_html' && keys.has('body_html'))) texts.push(Buffer.from(x.bytes).toString('utf8'));
      if (texts.length > 0) {
        extracted.push(new ExtractedPayload(Buffer.from(texts.join('\n'), 'utf8'), new PayloadMeta({ should_archive: false, dispatch_to: ['iocextract'] })));
      }
    }
    const results: Record<string, unknown> = { ...a.headers, email: a.email };
    if (a.body !== undefined) results['body'] = a.body;
    if (a.body_html !== undefined) results['body_html'] = a.body_html;
    const errors = a.problems.map((p) => new StoqError(`smtp: ${p}`, this.plugin_name, payload.payload_id));
    return new WorkerResponse({ results, extracted, errors });
  }

  private toPayload(x: Extraction): ExtractedPayload {
    const o = this.options;
    let dispatch: string[] = [];
    if (x.kind === 'body_html') dispatch = ['html'];
    else if (x.kind === 'message') dispatch = ['smtp'];
    else if (x.kind === 'attachment' || x.kind === 'tnef_member') dispatch = [...o.always_dispatch];
    const archive = x.kind === 'body' || x.kind === 'body_html' ? true : o.archive_attachments;
    return new ExtractedPayload(x.bytes, new PayloadMeta({ extra_data: x.extra, dispatch_to: dispatch, should_archive: archive }));
  }
}
