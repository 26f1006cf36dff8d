import { ENTRY_STORAGE, type CfbEntry, type CfbReader } from './cfb-reader.js';
import { decompressRtf } from './compressed-rtf.js';
import { parseHeaders } from './headers.js';
import type { Address, AttachmentResult, EmbeddedSummary, MsgResult, Recipient } from './msg-result.js';
import { HEADER_EMBEDDED, HEADER_RECIPIENT_OR_ATTACHMENT, HEADER_TOP_LEVEL, PT_BINARY, PropertyStore } from './properties.js';
import { deEncapsulateHtml, encapsulation } from './rtf-html.js';
import { ATTACH_METHODS, PR, RECIPIENT_TYPES } from './tags.js';
import { ansiCodepage, decoderFor, type Decoder } from './text.js';
import { findUrls } from './urls.js';

export interface ReadLimits {
  maxRecipients: number;
  maxAttachments: number;
  maxAttachmentSize: number;
  maxRtfSize: number;
  maxResultText: number;
  maxUrls: number;
  maxHeaderFields: number;
}

/** What the plugin extracts as payloads. */
export type Part =
  | { kind: 'body'; data: Uint8Array }
  | { kind: 'html'; data: Uint8Array; source: 'pr_html' | 'rtf' }
  | { kind: 'rtf'; data: Uint8Array }
  | { kind: 'attachment'; index: number; data: Uint8Array; filename: string | null; content_type: string | null; content_id: string | null }
  | { kind: 'storage'; index: number; storage: CfbEntry; message: boolean; filename: string | null };

const RECIP = /^__recip_version1\.0_#[0-9A-F]{8}$/i;
const ATTACH = /^__attach_version1\.0_#[0-9A-F]{8}$/i;

/** The message in `storage` (the root, or an embedded message's `__substg1.0_3701000D`). */
export function readMessage(reader: CfbReader, storage: CfbEntry, embedded: boolean, limits: ReadLimits, problems: string[]) {
  let decoder: Decoder | undefined;
  const ansi = () => decoder ?? new TextDecoder('windows-1252');
  const props = new PropertyStore(reader, storage, embedded ? HEADER_EMBEDDED : HEADER_TOP_LEVEL, problems, ansi);
  const codepage = ansiCodepage(props.int(PR.MESSAGE_CODEPAGE), props.int(PR.MESSAGE_LOCALE_ID), props.int(PR.INTERNET_CPID));
  decoder = decoderFor(codepage);
  const parts: Part[] = [];
  const str = (id: number) => props.string(id) ?? null;

  const from: Address = {
    name: str(PR.SENT_REPRESENTING_NAME) ?? str(PR.SENDER_NAME),
    address: smtpOf(props, PR.SENT_REPRESENTING_SMTP_ADDRESS, PR.SENT_REPRESENTING_EMAIL) ?? smtpOf(props, PR.SENDER_SMTP_ADDRESS, PR.SENDER_EMAIL),
  };
  const senderAddress: Address = { name: str(PR.SENDER_NAME), address: smtpOf(props, PR.SENDER_SMTP_ADDRESS, PR.SENDER_EMAIL) };
  const sender =
    (senderAddress.name ?? senderAddress.address) !== null && (senderAddress.name !== from.name || senderAddress.address !== from.address)
      ? senderAddress
      : null;

  const recipients = { to: [] as Recipient[], cc: [] as Recipient[], bcc: [] as Recipient[] };
  const recipStorages = storage.children.filter((c) => c.type === ENTRY_STORAGE && RECIP.test(c.name));
  if (recipStorages.length > limits.maxRecipients) problems.push(`${recipStorages.length} recipients; only the first ${limits.maxRecipients} read`);
  for (const r of recipStorages.slice(0, limits.maxRecipients)) {
    const rp = new PropertyStore(reader, r, HEADER_RECIPIENT_OR_ATTACHMENT, problems, ansi);
    const type = RECIPIENT_TYPES[rp.int(PR.RECIPIENT_TYPE) ?? 1] ?? 'to';
    recipients[type].push({
      name: rp.string(PR.DISPLAY_NAME) ?? null,
      address: rp.string(PR.SMTP_ADDRESS) ?? rp.string(PR.EMAIL_ADDRESS) ?? null,
      address_type: rp.string(PR.ADDRTYPE) ?? null,
    });
  }

  const headerText = str(PR.TRANSPORT_MESSAGE_HEADERS);
  const { headers, received } = headerText ? parseHeaders(headerText, limits.maxHeaderFields) : { headers: {}, received: [] };

  const dates: [MsgResult['date_source'], number][] = [
    ['client_submit_time', PR.CLIENT_SUBMIT_TIME],
    ['message_delivery_time', PR.MESSAGE_DELIVERY_TIME],
    ['creation_time', PR.CREATION_TIME],
  ];
  const dated = dates.map(([source, id]) => [source, props.time(id)] as const).find(([, t]) => t !== undefined);

  const body = str(PR.BODY);
  if (body !== null) parts.push({ kind: 'body', data: new TextEncoder().encode(body) });
  let html: string | null = null;
  let htmlSource: MsgResult['body_html_source'] = null;
  const prHtml = props.typeOf(PR.HTML) === PT_BINARY ? props.binary(PR.HTML) : undefined;
  if (prHtml) {
    html = decoderFor(props.int(PR.INTERNET_CPID) ?? codepage).decode(prHtml);
    htmlSource = 'pr_html';
    parts.push({ kind: 'html', data: prHtml, source: 'pr_html' });
  } else if (props.string(PR.HTML) !== undefined) {
    html = str(PR.HTML);
    htmlSource = 'pr_html';
    parts.push({ kind: 'html', data: new TextEncoder().encode(html ?? ''), source: 'pr_html' });
  }
  let rtf: MsgResult['rtf'] = null;
  const compressed = props.binary(PR.RTF_COMPRESSED);
  if (compressed) {
    const outcome = decompressRtf(compressed, limits.maxRtfSize);
    problems.push(...outcome.problems.map((p) => `RTF body: ${p}`));
    // Byte for byte: RTF is 7-bit with \'hh escapes, and the de-encapsulator needs the raw bytes back.
    const text = Buffer.from(outcome.rtf.buffer, outcome.rtf.byteOffset, outcome.rtf.byteLength).toString('latin1');
    rtf = { size: outcome.rtf.length, encapsulation: encapsulation(text) };
    parts.push({ kind: 'rtf', data: outcome.rtf });
    if (html === null && rtf.encapsulation === 'html') {
      html = deEncapsulateHtml(text);
      htmlSource = 'rtf';
      parts.push({ kind: 'html', data: new TextEncoder().encode(html), source: 'rtf' });
    }
  }

  const attachments: AttachmentResult[] = [];
  const attachStorages = storage.children.filter((c) => c.type === ENTRY_STORAGE && ATTACH.test(c.name));
  if (attachStorages.length > limits.maxAttachments) problems.push(`${attachStorages.length} attachments; only the first ${limits.maxAttachments} read`);
  attachStorages.slice(0, limits.maxAttachments).forEach((a, index) => {
    const ap = new PropertyStore(reader, a, HEADER_RECIPIENT_OR_ATTACHMENT, problems, ansi);
    const methodValue = ap.int(PR.ATTACH_METHOD) ?? null;
    const object = ap.object(PR.ATTACH_DATA);
    const isMessage = object !== undefined && (methodValue === 5 || reader.child(object, '__properties_version1.0') !== undefined);
    const filename = ap.string(PR.ATTACH_LONG_FILENAME) ?? ap.string(PR.ATTACH_FILENAME) ?? ap.string(PR.DISPLAY_NAME) ?? null;
    const item: AttachmentResult = {
      index,
      filename,
      content_type: ap.string(PR.ATTACH_MIME_TAG) ?? (isMessage ? 'application/vnd.ms-outlook' : null),
      // A storage's directory size is 0; PR_ATTACH_SIZE is all an object attachment says about its size.
      size: object ? (ap.int(PR.ATTACH_SIZE) ?? null) : (ap.size(PR.ATTACH_DATA) ?? ap.int(PR.ATTACH_SIZE) ?? null),
      content_id: ap.string(PR.ATTACH_CONTENT_ID) ?? null,
      method: ATTACH_METHODS[methodValue ?? (object ? 6 : 1)] ?? `unknown_${methodValue}`,
      method_value: methodValue,
      extension: ap.string(PR.ATTACH_EXTENSION) ?? null,
      extracted: false,
    };
    if (object) {
      if (isMessage) {
        item.method = 'embedded_message';
        item.embedded_message = summarise(reader, object, limits, problems);
      }
      parts.push({ kind: 'storage', index, storage: object, message: isMessage, filename });
      item.extracted = true;
    } else if (ap.size(PR.ATTACH_DATA) !== undefined) {
      const size = ap.size(PR.ATTACH_DATA)!;
      if (size > limits.maxAttachmentSize) {
        problems.push(
          `attachment ${index} (${filename ?? 'no name'}) is ${size} bytes, more than max_attachment_size (${limits.maxAttachmentSize}); not extracted`,
        );
      } else {
        const data = ap.binary(PR.ATTACH_DATA);
        if (data) {
          parts.push({ kind: 'attachment', index, data, filename, content_type: item.content_type, content_id: item.content_id });
          item.size = data.length;
          item.extracted = true;
        }
      }
    }
    attachments.push(item);
  });

  const truncated: string[] = [];
  const cut = (name: string, text: string | null) => {
    if (text === null || text.length <= limits.maxResultText) return text;
    truncated.push(name);
    return text.slice(0, limits.maxResultText);
  };
  const result: MsgResult = {
    message_class: str(PR.MESSAGE_CLASS),
    subject: str(PR.SUBJECT),
    from,
    sender,
    ...recipients,
    display_to: str(PR.DISPLAY_TO),
    display_cc: str(PR.DISPLAY_CC),
    date: dated?.[1] ?? null,
    date_source: dated?.[0] ?? null,
    message_id: str(PR.INTERNET_MESSAGE_ID),
    in_reply_to: str(PR.IN_REPLY_TO),
    headers,
    received,
    body: cut('body', body),
    body_html: cut('body_html', html),
    body_html_source: htmlSource,
    truncated,
    rtf,
    urls: findUrls([body ?? undefined, html ?? undefined], limits.maxUrls),
    attachments,
    embedded_message_count: attachments.filter((a) => a.embedded_message).length,
    codepage,
  };
  return { result, parts };
}

/** PR_*_SMTP_ADDRESS, else the email address property when it looks like one (EX addresses are X.500 DNs). */
function smtpOf(props: PropertyStore, smtpId: number, emailId: number): string | null {
  return props.string(smtpId) ?? props.string(emailId) ?? null;
}

/** An embedded message's own description: no bodies, no further nesting (its own scan does that). */
function summarise(reader: CfbReader, storage: CfbEntry, limits: ReadLimits, problems: string[]): EmbeddedSummary {
  let decoder: Decoder | undefined;
  const p = new PropertyStore(reader, storage, HEADER_EMBEDDED, problems, () => decoder ?? decoderFor(null));
  decoder = decoderFor(ansiCodepage(p.int(PR.MESSAGE_CODEPAGE), p.int(PR.MESSAGE_LOCALE_ID), p.int(PR.INTERNET_CPID)));
  const str = (id: number) => p.string(id) ?? null;
  return {
    message_class: str(PR.MESSAGE_CLASS),
    subject: str(PR.SUBJECT),
    from: {
      name: str(PR.SENT_REPRESENTING_NAME) ?? str(PR.SENDER_NAME),
      address: smtpOf(p, PR.SENT_REPRESENTING_SMTP_ADDRESS, PR.SENT_REPRESENTING_EMAIL) ?? smtpOf(p, PR.SENDER_SMTP_ADDRESS, PR.SENDER_EMAIL),
    },
    date: p.time(PR.CLIENT_SUBMIT_TIME) ?? p.time(PR.MESSAGE_DELIVERY_TIME) ?? null,
    attachment_count: Math.min(storage.children.filter((c) => c.type === ENTRY_STORAGE && ATTACH.test(c.name)).length, limits.maxAttachments),
  };
}
