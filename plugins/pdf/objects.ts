/** The PDF object model (ISO 32000-1 §7.3), as parsed; strings keep their bytes. */
export class PdfName {
  constructor(readonly name: string) {}
}

export class PdfString {
  /** Mutable so that a decryptor can replace the bytes in place. */
  constructor(
    public bytes: Uint8Array,
    readonly hex: boolean,
  ) {}
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}

export class PdfDict {
  constructor(readonly entries: Map<string, PdfValue>) {}
  get(key: string): PdfValue | undefined {
    return this.entries.get(key);
  }
  has(key: string): boolean {
    return this.entries.has(key);
  }
}

/** `raw` is a view into the file (or into a decrypted copy), never decoded eagerly. */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    public raw: Uint8Array,
    /** Offset of the data in the file, for messages. */
    readonly offset: number,
  ) {}
}

export type PdfValue = null | boolean | number | PdfName | PdfString | PdfRef | PdfDict | PdfStream | PdfValue[];

export function nameOf(v: PdfValue | undefined): string | undefined {
  return v instanceof PdfName ? v.name : undefined;
}

export function dictOf(v: PdfValue | undefined): PdfDict | undefined {
  if (v instanceof PdfDict) return v;
  if (v instanceof PdfStream) return v.dict;
  return undefined;
}

export function numberOf(v: PdfValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Children of a value, for walks that must not recurse on the JS stack. */
export function childrenOf(v: PdfValue): PdfValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PdfDict) return [...v.entries.values()];
  if (v instanceof PdfStream) return [...v.dict.entries.values()];
  return [];
}
