import type { Decryptor, PdfDocument } from './document.js';
import type { PdfDict } from './objects.js';
import type { EncryptionInfo } from './pdf-result.js';

/** Placeholder until the standard security handler lands: nothing is decrypted. */
export function standardDecryptor(_doc: PdfDocument, _enc: PdfDict, _info: EncryptionInfo): Decryptor | undefined {
  return undefined;
}
