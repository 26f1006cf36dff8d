/** One DER element: its tag byte and where its content lies in the buffer. */
export interface Tlv {
  tag: number;
  /** Offset of the first byte of the element (its tag). */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

export class DerError extends Error {}

/**
 * The DER element at `offset`, which must end by `limit`. Only what X.509 and PKCS#7 use:
 * single-byte tags and definite lengths of up to four bytes; anything else, or a length past
 * `limit`, is a DerError saying where.
 */
export function readTlv(bytes: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new DerError(`truncated DER: element header at offset ${offset} runs past the end (${limit})`);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported multi-byte DER tag at offset ${offset}`);
  const first = bytes[offset + 1]!;
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0) throw new DerError(`indefinite length at offset ${offset} is not DER`);
    if (n > 4) throw new DerError(`length of ${n} bytes at offset ${offset} is too large`);
    if (contentStart + n > limit) throw new DerError(`truncated DER: length at offset ${offset} runs past the end (${limit})`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[contentStart + i]!;
    contentStart += n;
  }
  const end = contentStart + length;
  if (end > limit)
    throw new DerError(`truncated DER: element at offset ${offset} (tag 0x${hex2(tag)}) claims ${length} bytes, only ${limit - contentStart} remain`);
  return { tag, start: offset, contentStart, end };
}

/** The element at `offset`, checked to carry `tag`; `what` names it in the error. */
export function expectTlv(bytes: Uint8Array, offset: number, limit: number, tag: number, what: string): Tlv {
  // The tag first: for bytes that are not DER at all, a wrong tag says more than a wrong length.
  if (offset < limit && bytes[offset] !== tag) throw new DerError(`${what}: expected tag 0x${hex2(tag)} at offset ${offset}, found 0x${hex2(bytes[offset]!)}`);
  return readTlv(bytes, offset, limit);
}

/** The elements directly inside `parent`, in order. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readTlv(bytes, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

export const contentOf = (bytes: Uint8Array, tlv: Tlv) => bytes.subarray(tlv.contentStart, tlv.end);
export const elementOf = (bytes: Uint8Array, tlv: Tlv) => bytes.subarray(tlv.start, tlv.end);

/** Dotted form of an OBJECT IDENTIFIER's content bytes. */
export function decodeOid(content: Uint8Array): string {
  const arcs: string[] = [];
  let value = 0n;
  for (const [i, b] of content.entries()) {
    value = (value << 7n) | BigInt(b & 0x7f);
    if (b & 0x80) {
      if (i === content.length - 1) throw new DerError('truncated OBJECT IDENTIFIER');
      continue;
    }
    if (arcs.length === 0) {
      const first = value < 40n ? 0n : value < 80n ? 1n : 2n;
      arcs.push(String(first), String(value - first * 40n));
    } else {
      arcs.push(String(value));
    }
    value = 0n;
  }
  if (arcs.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  return arcs.join('.');
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
