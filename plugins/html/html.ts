import { ExtractedPayload, PayloadMeta, StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { collectHtml, isJavaScriptType } from './collect-html.js';
import { decodeText } from './decode-text.js';

const OptionsSchema = z.object({
  /** Bytes of the payload parsed at most; the rest is skipped with an error. */
  max_bytes: z
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024),
  /** Entries kept at most in each list (links, forms, inputs of a form, iframes, meta, scripts, stylesheets, images, data URIs); the rest are counted in `dropped`. */
  max_elements: z.number().int().positive().default(1000),
  /** Inline scripts extracted as payloads at most. */
  max_scripts: z.number().int().nonnegative().default(256),
  /** An inline script longer than this (characters) counts as huge in `obfuscation.huge_inline_scripts`. */
  huge_script_chars: z.number().int().positive().default(100_000),
});

const encoder = new TextEncoder();

/**
 * HTML pages (phishing kits, drive-by landing pages, HTML attachments): title, base, links, forms,
 * iframes, meta refresh and tags, external scripts and stylesheets, off-host images, data: URIs,
 * event handlers and obfuscation hints. Each non-blank inline script is extracted, and the
 * JavaScript ones are routed to the javascript plugin.
 */
export class HtmlPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  scan(payload: Payload): WorkerResponse {
    const { max_bytes, ...limits } = this.options;
    const content = payload.content;
    const errors: StoqError[] = [];
    if (content.length > max_bytes) {
      errors.push(new StoqError(`html: only the first ${max_bytes} of ${content.length} bytes parsed (max_bytes)`, this.plugin_name, payload.payload_id));
    }
    const bytes = content.subarray(0, max_bytes);
    const { result, scripts } = collectHtml(decodeText(bytes), limits);
    result.counts.bytes_parsed = bytes.length;
    const extracted = scripts.map(
      (s) =>
        new ExtractedPayload(
          encoder.encode(s.text),
          new PayloadMeta({ extra_data: { index: s.index, type: s.type }, dispatch_to: isJavaScriptType(s.type) ? ['javascript'] : [] }),
        ),
    );
    if (result.dropped.extracted_scripts) {
      errors.push(new StoqError(`html: ${result.dropped.extracted_scripts} inline scripts not extracted (max_scripts)`, this.plugin_name, payload.payload_id));
    }
    return new WorkerResponse({ results: result, extracted, errors });
  }
}
