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

/** A multipart whose boundary is being looked for, with the child part open inside it (if any). */
interface OpenMultipart {
  part: MimePart;
  boundary: string;
  child: MimePart | undefined;
  seen: boolean;
}

function isBlank(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09;
}

/** Where a part ends when the delimiter line at `lineStart` follows it: before that line's break. */
function endBefore(buf: Uint8Array, lineStart: number, floor: number): number {
  let end = lineStart;
  if (end > floor && buf[end - 1] === 0x0a) end--;
  if (end > floor && buf[end - 1] === 0x0d) end--;
  return end;
}

/**
 * The MIME structure of a message in one pass over its lines (as Python's feedparser reads it),
 * with a stack of the multiparts open around the current line: a line `--boundary` (or
 * `--boundary--`, trailing blanks allowed) of any of them ends the parts inside it, so the cost
 * is linear in the size whatever the nesting, and nothing recurses. Multiparts are followed down
 * to `maxDepth`, at most `maxParts` parts are read, `message/rfc822` parts are left whole (the
 * plugin sends them back to smtp). Preambles and epilogues are skipped.
 */
export function readMimeTree(buf: Buffer, limits: MimeLimits): MimeTree {
  const problems: string[] = [];
  const root = readPart(buf, 0, buf.length, '', 0, 'text/plain', limits, problems);
  let parts = 1;
  let depthReported = false;
  let countReported = false;
  const stack: OpenMultipart[] = [];
  /** boundary → indexes in `stack` of the multiparts using it (innermost last). */
  const byBoundary = new Map<string, number[]>();
  const where = (p: MimePart) => (p.path ? `part ${p.path}` : 'the message');

  /** Pushes `part` when it is a multipart to be split, else reports why not. */
  const open = (part: MimePart) => {
    if (!part.type.startsWith('multipart/')) return;
    const boundary = part.contentType.params['boundary'];
    if (!boundary) {
      problems.push(`${where(part)} is ${part.type} without a boundary parameter`);
      return;
    }
    if (part.depth >= limits.maxDepth) {
      if (!depthReported) problems.push(`MIME nesting deeper than max_depth (${limits.maxDepth}) at ${where(part)}: parts below it not read`);
      depthReported = true;
      return;
    }
    stack.push({ part, boundary, child: undefined, seen: false });
    const list = byBoundary.get(boundary) ?? [];
    list.push(stack.length - 1);
    byBoundary.set(boundary, list);
  };
  /** Pops the multiparts above index `keep` (exclusive), ending their open children at `end`. */
  const popTo = (keep: number, end: (m: OpenMultipart) => number) => {
    while (stack.length > keep) {
      const m = stack.pop()!;
      byBoundary.get(m.boundary)!.pop();
      if (m.child) m.child.bodyEnd = Math.max(m.child.bodyStart, end(m));
      if (!m.seen) problems.push(`${where(m.part)}: boundary "${m.boundary}" never found`);
      else if (m.child) problems.push(`${where(m.part)}: closing boundary "--${m.boundary}--" missing`);
      m.part.bodyEnd = Math.max(m.part.bodyStart, end(m));
    }
  };

  open(root);
  const needle = Buffer.from('\n--');
  // A body starts just past a line break (the blank line, or the line before a non-header line).
  let pos = Math.max(0, root.bodyStart - 1);
  while (stack.length > 0) {
    const at = buf.indexOf(needle, pos);
    if (at < 0) break;
    const lineStart = at + 1;
    const nl = buf.indexOf(0x0a, lineStart);
    const lineEnd = nl < 0 ? buf.length : nl;
    const next = nl < 0 ? buf.length : nl + 1;
    pos = Math.max(lineStart, next - 1);
    let stop = lineEnd;
    while (stop > lineStart + 2 && (isBlank(buf[stop - 1]) || buf[stop - 1] === 0x0d)) stop--;
    const text = buf.toString('latin1', lineStart + 2, Math.min(stop, lineStart + 2 + 1024));
    let index = byBoundary.get(text)?.at(-1);
    let close = false;
    if (index === undefined && text.endsWith('--')) {
      index = byBoundary.get(text.slice(0, -2))?.at(-1);
      close = index !== undefined;
    }
    if (index === undefined) continue;
    // Multiparts inside the one this line belongs to end here, unclosed.
    popTo(index + 1, (m) => endBefore(buf, lineStart, m.child?.bodyStart ?? m.part.bodyStart));
    const m = stack[index]!;
    m.seen = true;
    if (m.child) m.child.bodyEnd = Math.max(m.child.bodyStart, endBefore(buf, lineStart, m.child.bodyStart));
    m.child = undefined;
    if (close) {
      stack.pop();
      byBoundary.get(m.boundary)!.pop();
      continue;
    }
    if (parts >= limits.maxParts) {
      if (!countReported) problems.push(`more than max_parts (${limits.maxParts}) MIME parts: the rest not read`);
      countReported = true;
      continue;
    }
    const path = m.part.path ? `${m.part.path}.${m.part.children.length + 1}` : `${m.part.children.length + 1}`;
    const childDefault = m.part.type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    const child = readPart(buf, next, buf.length, path, m.part.depth + 1, childDefault, limits, problems);
    m.part.children.push(child);
    m.child = child;
    parts++;
    open(child);
    // The child's headers hold no delimiter line (a line without a colon ends them): go on from its body.
    pos = Math.max(pos, child.bodyStart - 1);
  }
  popTo(0, () => buf.length);
  return { root, problems };
}
