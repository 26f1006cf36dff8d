import { type ParsedParams, parseParams } from './content-params.js';
import { firstField, type HeaderField, readHeaderBlock } from './header-block.js';

/** One MIME entity: its headers and where its body lies in the message bytes. */
export interface MimePart {
  /** IMAP-style part number: '' for the message, '1', '1.2', ... */
  path: string;
  depth: number;
  fields: HeaderField[];
  contentType: ParsedParams;
  /** The type as Python's get_content_type() gives it (text/plain when missing or invalid). */
  type: string;
  disposition: ParsedParams;
  transferEncoding: string;
  bodyStart: number;
  bodyEnd: number;
  children: MimePart[];
}

export interface MimeLimits {
  maxDepth: number;
  maxParts: number;
  maxHeaderBytes: number;
}

export interface MimeTree {
  root: MimePart;
  problems: string[];
}

const VALID_TYPE = /^[!#$%&'*+\-.^_`|~0-9a-z]+\/[!#$%&'*+\-.^_`|~0-9a-z]+$/;

function readPart(
  buf: Uint8Array,
  start: number,
  end: number,
  path: string,
  depth: number,
  defaultType: string,
  limits: MimeLimits,
  problems: string[],
): MimePart {
  const block = readHeaderBlock(buf, start, end, limits.maxHeaderBytes);
  if (block.truncated) problems.push(`headers of ${path || 'the message'} longer than max_header_bytes (${limits.maxHeaderBytes}); the rest ignored`);
  const contentType = parseParams(firstField(block.fields, 'content-type'));
  return {
    path,
    depth,
    fields: block.fields,
    contentType,
    type: VALID_TYPE.test(contentType.value) ? contentType.value : defaultType,
    disposition: parseParams(firstField(block.fields, 'content-disposition')),
    transferEncoding: (firstField(block.fields, 'content-transfer-encoding') ?? '').trim().toLowerCase(),
    bodyStart: block.bodyStart,
    bodyEnd: end,
    children: [],
  };
}

interface Delimiter {
  /** Where the delimiter line starts, minus the line break before it (the end of the part before). */
  partEnd: number;
  /** Where the next part starts (just past the delimiter line). */
  next: number;
  close: boolean;
}

function isBlank(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09;
}

/** Delimiter lines `--boundary` / `--boundary--` (trailing blanks allowed) inside [start, end). */
function findDelimiters(buf: Buffer, start: number, end: number, boundary: string): Delimiter[] {
  const found: Delimiter[] = [];
  const needle = Buffer.from(`--${boundary}`, 'latin1');
  let pos = start;
  while (pos < end) {
    const at = buf.indexOf(needle, pos);
    if (at < 0 || at + needle.length > end) break;
    pos = at + 1;
    if (at !== start && buf[at - 1] !== 0x0a) continue;
    let j = at + needle.length;
    const close = buf[j] === 0x2d && buf[j + 1] === 0x2d && j + 2 <= end;
    if (close) j += 2;
    while (j < end && isBlank(buf[j])) j++;
    if (j < end && buf[j] !== 0x0d && buf[j] !== 0x0a) continue;
    let partEnd = at;
    if (partEnd > start && buf[partEnd - 1] === 0x0a) partEnd--;
    if (partEnd > start && buf[partEnd - 1] === 0x0d) partEnd--;
    if (j < end && buf[j] === 0x0d) j++;
    if (j < end && buf[j] === 0x0a) j++;
    found.push({ partEnd, next: j, close });
    if (close) break;
    pos = j;
  }
  return found;
}

/**
 * The MIME structure of a message, walked without recursion (so no stack overflow at any
 * nesting): multiparts are split at their boundaries down to `maxDepth`, `message/rfc822` parts
 * are left whole (the plugin sends them back to smtp), at most `maxParts` parts are read.
 */
export function readMimeTree(buf: Buffer, limits: MimeLimits): MimeTree {
  const problems: string[] = [];
  const root = readPart(buf, 0, buf.length, '', 0, 'text/plain', limits, problems);
  let parts = 1;
  let depthReported = false;
  let countReported = false;
  const todo: MimePart[] = [root];
  while (todo.length > 0) {
    const part = todo.pop()!;
    if (!part.type.startsWith('multipart/')) continue;
    const where = part.path ? `part ${part.path}` : 'the message';
    const boundary = part.contentType.params['boundary'];
    if (!boundary) {
      problems.push(`${where} is ${part.type} without a boundary parameter`);
      continue;
    }
    if (part.depth >= limits.maxDepth) {
      if (!depthReported) problems.push(`MIME nesting deeper than max_depth (${limits.maxDepth}) at ${where}: parts below it not read`);
      depthReported = true;
      continue;
    }
    const delimiters = findDelimiters(buf, part.bodyStart, part.bodyEnd, boundary);
    if (delimiters.length === 0) {
      problems.push(`${where}: boundary "${boundary}" never found`);
      continue;
    }
    if (!delimiters[delimiters.length - 1]!.close) problems.push(`${where}: closing boundary "--${boundary}--" missing`);
    const childDefault = part.type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    for (let i = 0; i < delimiters.length; i++) {
      const d = delimiters[i]!;
      if (d.close) break;
      if (parts >= limits.maxParts) {
        if (!countReported) problems.push(`more than max_parts (${limits.maxParts}) MIME parts: the rest not read`);
        countReported = true;
        break;
      }
      const end = delimiters[i + 1]?.partEnd ?? part.bodyEnd;
      const path = part.path ? `${part.path}.${i + 1}` : `${i + 1}`;
      part.children.push(readPart(buf, d.next, Math.max(d.next, end), path, part.depth + 1, childDefault, limits, problems));
      parts++;
    }
    for (let i = part.children.length - 1; i >= 0; i--) todo.push(part.children[i]!);
  }
  return { root, problems };
}
