import { type AuthenticationResults, authSummary, parseAuthenticationResults } from './auth-results.js';
import { type MailAddress, parseAddresses } from './addresses.js';
import { decodeHeaderValue, firstField, type HeaderField } from './header-block.js';
import { type MimePart, readMimeTree } from './mime-tree.js';
import { isoDate, parseReceived, type ReceivedHop } from './received.js';
import { isTnef, readTnef } from './tnef.js';
import { decodeCharset, decodeTransfer } from './transfer-decode.js';
import { findUrls } from './urls.js';

export interface AnalyseOptions {
  omit_body: boolean;
  max_attachments: number;
  max_attachment_size: number;
  max_depth: number;
  max_parts: number;
  max_header_bytes: number;
  max_urls: number;
  unpack_tnef: boolean;
}

export interface AttachmentInfo {
  part: string;
  filename: string | null;
  content_type: string;
  charset: string | null;
  disposition: string | null;
  content_id: string | null;
  description: string | null;
  size: number;
  /** A `size` parameter of Content-Disposition, as the sender claimed it (never trusted). */
  declared_size: number | null;
  extracted: boolean;
  /** For a TNEF (winmail.dat) attachment: what it carried. */
  tnef?: TnefSummary;
}

export interface EmailSummary {
  subject: string | null;
  date: string | null;
  message_id: string | null;
  from: MailAddress[];
  sender: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  reply_to: MailAddress[];
  return_path: string | null;
  received: ReceivedHop[];
  authentication_results: AuthenticationResults[];
  auth: Record<string, string>;
  urls: string[];
  attachments: AttachmentInfo[];
}

export interface Extraction {
  bytes: Uint8Array;
  extra: Record<string, unknown>;
  kind: 'body' | 'body_html' | 'attachment' | 'message' | 'tnef_member';
}

export interface Analysis {
  headers: Record<string, string>;
  body?: string;
  body_html?: string;
  email: EmailSummary;
  extractions: Extraction[];
  problems: string[];
}

/** Received and Authentication-Results headers parsed at most (all stay in the header map). */
const MAX_PARSED_HEADERS = 500;

/** Names the plugin's own top-level keys take; a header of that name is kept as `header_<name>`. */
const RESERVED = new Set(['body', 'body_html', 'email']);

/** Upstream's header map: lowercased names, decoded values, repeated fields joined by "\n". */
function headerMap(fields: HeaderField[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const f of fields) {
    let key = f.name.toLowerCase();
    if (RESERVED.has(key) || key.startsWith('header_')) key = `header_${key}`;
    const value = decodeHeaderValue(f.raw);
    map[key] = key in map ? `${map[key]}\n${value}` : value;
  }
  return map;
}

const isAttachmentDisposition = (p: MimePart) => p.disposition.value === 'attachment';

/**
 * The part Python's `EmailMessage.get_body(preferencelist=(subtype,))` picks: the first
 * `text/<subtype>` part met depth-first, not marked as attachment, descending into multiparts
 * (into a multipart/related only through its `start` part, else its first).
 */
function findBody(root: MimePart, subtype: string): MimePart | undefined {
  const stack: MimePart[] = [root];
  while (stack.length > 0) {
    const part = stack.pop()!;
    if (isAttachmentDisposition(part)) continue;
    if (part.type === `text/${subtype}`) return part;
    if (!part.type.startsWith('multipart/') || part.children.length === 0) continue;
    if (part.type === 'multipart/related') {
      const start = part.contentType.params['start'];
      const chosen = (start && part.children.find((c) => firstField(c.fields, 'content-id')?.trim() === start.trim())) || part.children[0]!;
      stack.push(chosen);
      continue;
    }
    for (let i = part.children.length - 1; i >= 0; i--) stack.push(part.children[i]!);
  }
  return undefined;
}

/** Every leaf of the tree (message/rfc822 parts are leaves: they are sent back to smtp). */
function leaves(root: MimePart): MimePart[] {
  const out: MimePart[] = [];
  const stack: MimePart[] = [root];
  while (stack.length > 0) {
    const part = stack.pop()!;
    if (part.children.length === 0) out.push(part);
    for (let i = part.children.length - 1; i >= 0; i--) stack.push(part.children[i]!);
  }
  return out;
}

export interface TnefSummary {
  message_class: string | null;
  subject: string | null;
  attachments: { filename: string | null; mime_type: string | null; size: number }[];
}

/** A TNEF stream's members as extractions (empty ones and those over the limits left out, reported). */
export function unpackTnef(bytes: Uint8Array, name: string, opts: AnalyseOptions, room: number) {
  const t = readTnef(bytes, opts.max_attachments);
  const problems = t.problems.map((p) => `${name}: ${p}`);
  const extractions: Extraction[] = [];
  for (const a of t.attachments) {
    if (a.data.length === 0) continue;
    if (a.data.length > opts.max_attachment_size || extractions.length >= room) {
      problems.push(`${name}: TNEF member ${a.filename ?? '?'} not extracted (max_attachment_size or max_attachments)`);
      continue;
    }
    const extra = { filename: a.filename, content_type: a.mime_type ?? 'application/octet-stream', type: a.mime_type, tnef: name };
    extractions.push({ bytes: a.data, extra, kind: 'tnef_member' });
  }
  const summary: TnefSummary = {
    message_class: t.message_class,
    subject: t.subject,
    attachments: t.attachments.map((a) => ({ filename: a.filename, mime_type: a.mime_type, size: a.data.length })),
  };
  return { summary, extractions, problems };
}

function emptySummary(): EmailSummary {
  return {
    subject: null,
    date: null,
    message_id: null,
    from: [],
    sender: [],
    to: [],
    cc: [],
    bcc: [],
    reply_to: [],
    return_path: null,
    received: [],
    authentication_results: [],
    auth: {},
    urls: [],
    attachments: [],
  };
}

export function analyseMessage(buf: Buffer, opts: AnalyseOptions): Analysis {
  const { root, problems } = readMimeTree(buf, { maxDepth: opts.max_depth, maxParts: opts.max_parts, maxHeaderBytes: opts.max_header_bytes });
  const fields = root.fields;
  if (fields.length === 0) {
    // Not an email: nothing is extracted (a body would be the payload itself, again).
    problems.push('no RFC 5322 header fields at the start of the payload');
    return { headers: {}, email: emptySummary(), extractions: [], problems };
  }
  const all = (name: string) => fields.filter((f) => f.name.toLowerCase() === name).map((f) => f.raw);
  const one = (name: string) => firstField(fields, name);
  const extractions: Extraction[] = [];

  const decodePart = (part: MimePart) => {
    const d = decodeTransfer(buf.subarray(part.bodyStart, part.bodyEnd), part.transferEncoding);
    if (d.damage) problems.push(`part ${part.path || '(message)'}: ${d.damage}`);
    return d.bytes;
  };
  const bodyText = (part: MimePart | undefined) => (part ? decodeCharset(decodePart(part), part.contentType.params['charset'] ?? 'us-ascii') : undefined);

  const textPart = findBody(root, 'plain');
  const htmlPart = findBody(root, 'html');
  const body = bodyText(textPart);
  const bodyHtml = bodyText(htmlPart);
  if (body !== undefined && body !== '') {
    extractions.push({ bytes: Buffer.from(body, 'utf8'), extra: { filename: 'body.txt', content_type: 'text/plain', charset: 'utf-8' }, kind: 'body' });
  }
  if (bodyHtml !== undefined && bodyHtml !== '') {
    extractions.push({
      bytes: Buffer.from(bodyHtml, 'utf8'),
      extra: { filename: 'body.html', content_type: 'text/html', charset: 'utf-8' },
      kind: 'body_html',
    });
  }

  const attachments: AttachmentInfo[] = [];
  let kept = 0;
  for (const part of leaves(root)) {
    if (part === textPart || part === htmlPart || part.type.startsWith('multipart/')) continue;
    if (part === root && part.type.startsWith('text/')) continue;
    if (attachments.length >= opts.max_attachments) {
      problems.push(`more than max_attachments (${opts.max_attachments}) attachments: the rest not listed or extracted`);
      break;
    }
    const bytes = decodePart(part);
    const rawName = part.disposition.params['filename'] ?? part.contentType.params['name'];
    const declared = Number(part.disposition.params['size']);
    const info: AttachmentInfo = {
      part: part.path,
      filename: rawName ?? null,
      content_type: part.type,
      charset: part.contentType.params['charset'] ?? null,
      disposition: part.disposition.value || null,
      content_id: firstField(part.fields, 'content-id')?.trim() ?? null,
      description: part.fields.some((f) => f.name.toLowerCase() === 'content-description')
        ? decodeHeaderValue(firstField(part.fields, 'content-description')!)
        : null,
      size: bytes.length,
      declared_size: Number.isSafeInteger(declared) ? declared : null,
      extracted: false,
    };
    attachments.push(info);
    if (info.declared_size !== null && info.declared_size !== bytes.length) {
      problems.push(`attachment ${info.filename ?? part.path} declares size=${info.declared_size} but has ${bytes.length} bytes`);
    }
    if (bytes.length > opts.max_attachment_size) {
      problems.push(`attachment ${info.filename ?? part.path} is ${bytes.length} bytes, over max_attachment_size (${opts.max_attachment_size}): not extracted`);
      continue;
    }
    if (bytes.length === 0) continue;
    const extra: Record<string, unknown> = {
      filename: info.filename,
      content_type: info.content_type,
      // upstream smtp's meta keys
      charset: info.charset,
      'content-description': info.description,
      disposition: info.disposition,
      type: info.content_type,
    };
    if (info.content_id) extra['content_id'] = info.content_id;
    // Any part that starts with the TNEF signature, whatever its declared type or name.
    if (opts.unpack_tnef && isTnef(bytes)) {
      const t = unpackTnef(bytes, info.filename ?? 'winmail.dat', opts, opts.max_attachments - kept);
      problems.push(...t.problems);
      info.tnef = t.summary;
      if (t.summary.attachments.length > 0) {
        kept += t.extractions.length;
        extractions.push(...t.extractions);
        info.extracted = true;
        continue;
      }
    }
    if (kept >= opts.max_attachments) continue;
    kept++;
    info.extracted = true;
    extractions.push({ bytes, extra, kind: part.type === 'message/rfc822' ? 'message' : 'attachment' });
  }

  const receivedRaw = all('received');
  const authRaw = all('authentication-results');
  if (receivedRaw.length > MAX_PARSED_HEADERS) problems.push(`${receivedRaw.length} Received headers: the first ${MAX_PARSED_HEADERS} parsed`);
  if (authRaw.length > MAX_PARSED_HEADERS) problems.push(`${authRaw.length} Authentication-Results headers: the first ${MAX_PARSED_HEADERS} parsed`);
  const received = receivedRaw.slice(0, MAX_PARSED_HEADERS).map((r) => parseReceived(decodeHeaderValue(r)));
  const authentication_results = authRaw.slice(0, MAX_PARSED_HEADERS).map((r) => parseAuthenticationResults(decodeHeaderValue(r)));
  const { urls, truncated } = findUrls([body ?? '', bodyHtml ?? ''], opts.max_urls);
  if (truncated) problems.push(`more than max_urls (${opts.max_urls}) URLs in the bodies: the rest not listed`);
  const subject = one('subject');
  const messageId = one('message-id');
  const email: EmailSummary = {
    subject: subject === undefined ? null : decodeHeaderValue(subject),
    date: isoDate(one('date')),
    message_id: messageId === undefined ? null : messageId.trim(),
    from: parseAddresses(one('from')),
    sender: parseAddresses(one('sender')),
    to: parseAddresses(all('to').join(', ') || undefined),
    cc: parseAddresses(all('cc').join(', ') || undefined),
    bcc: parseAddresses(all('bcc').join(', ') || undefined),
    reply_to: parseAddresses(one('reply-to')),
    return_path:
      one('return-path')
        ?.trim()
        .replace(/^<(.*)>$/, '$1') ?? null,
    received,
    authentication_results,
    auth: authSummary(authentication_results),
    urls,
    attachments,
  };
  if (one('date') !== undefined && email.date === null) problems.push(`unreadable Date header: ${one('date')!.slice(0, 100)}`);
  const analysis: Analysis = { headers: headerMap(fields), email, extractions, problems };
  if (!opts.omit_body) {
    analysis.body = body ?? '';
    analysis.body_html = bodyHtml ?? '';
  }
  return analysis;
}
