const MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

export function isOle2(data: Uint8Array): boolean {
  return data.length >= 512 && MAGIC.every((b, k) => data[k] === b);
}

/**
 * The CLSID of an OLE2 (CFB) file's root storage, which names the application the embedded
 * object runs in (Equation Editor, a moniker, an ActiveX control). Read straight from the first
 * directory sector; null when the file is cut short or the CLSID is all zeros.
 */
export function rootClsid(data: Uint8Array): string | null {
  if (!isOle2(data)) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const shift = view.getUint16(0x1e, true);
  if (shift !== 9 && shift !== 12) return null;
  const at = (view.getUint32(0x30, true) + 1) * 2 ** shift + 0x50;
  if (at + 16 > data.length) return null;
  if (data.subarray(at, at + 16).every((b) => b === 0)) return null;
  const hex = (from: number, to: number) => [...data.subarray(from, to)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const d1 = view.getUint32(at, true).toString(16).padStart(8, '0');
  const d2 = view
    .getUint16(at + 4, true)
    .toString(16)
    .padStart(4, '0');
  const d3 = view
    .getUint16(at + 6, true)
    .toString(16)
    .padStart(4, '0');
  return `${d1}-${d2}-${d3}-${hex(at + 8, at + 10)}-${hex(at + 10, at + 16)}`.toUpperCase();
}
