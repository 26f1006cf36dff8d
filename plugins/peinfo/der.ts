/** Just enough DER to walk a PKCS#7 SignedData and the certificates in it. */
export interface Der {
  tag: number;
  /** Whole element (header and content) and its content alone. */
  raw: Buffer;
  content: Buffer;
}

export class DerError extends Error {}

export function readDer(b: Buffer, at = 0): Der {
  if (at + 2 > b.length) throw new DerError(`DER element at ${at} is truncated`);
  const tag = b[at]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not used by PKCS#7');
  let len = b[at + 1]!;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || at + 2 + n > b.length) throw new DerError(`DER length at ${at} is invalid`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[at + 2 + i]!;
    header += n;
  }
  if (at + header + len > b.length) throw new DerError(`DER element at ${at} runs past its container`);
  return { tag, raw: b.subarray(at, at + header + len), content: b.subarray(at + header, at + header + len) };
}

export function derChildren(d: Der): Der[] {
  const list: Der[] = [];
  for (let at = 0; at < d.content.length; ) {
    const child = readDer(d.content, at);
    list.push(child);
    at += child.raw.length;
  }
  return list;
}

export function derOid(d: Der): string {
  const b = d.content;
  if (b.length === 0) throw new DerError('empty OID');
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}
