import type { PdfDocument } from './document.js';
import { dictOf, nameOf, numberOf } from './objects.js';
import type { EncryptionInfo } from './pdf-result.js';
import { standardDecryptor } from './standard-security.js';

/**
 * The /Encrypt dictionary's parameters; when the standard handler opens with the empty user
 * password, installs its decryptor on the document (before any other object is read).
 */
export function readEncryption(doc: PdfDocument): EncryptionInfo | null {
  if (!doc.trailer.has('Encrypt')) return null;
  const enc = dictOf(doc.resolve(doc.trailer.get('Encrypt')));
  if (!enc) {
    doc.note('the trailer names an /Encrypt dictionary that cannot be read');
    return { filter: null, sub_filter: null, v: null, r: null, length: null, p: null, stream_method: null, string_method: null, decrypted: false };
  }
  const v = numberOf(enc.get('V')) ?? 0;
  const cf = dictOf(doc.resolve(enc.get('CF')));
  const method = (key: string) => {
    const name = nameOf(enc.get(key));
    if (name === undefined) return v >= 4 ? 'Identity' : v > 0 ? 'V2' : null;
    if (name === 'Identity') return 'Identity';
    return nameOf(dictOf(doc.resolve(cf?.get(name)))?.get('CFM')) ?? name;
  };
  const info: EncryptionInfo = {
    filter: nameOf(enc.get('Filter')) ?? null,
    sub_filter: nameOf(enc.get('SubFilter')) ?? null,
    v,
    r: numberOf(enc.get('R')) ?? null,
    length: numberOf(enc.get('Length')) ?? (v === 1 || v === 0 ? 40 : v >= 5 ? 256 : null),
    p: numberOf(enc.get('P')) ?? null,
    stream_method: v >= 4 ? method('StmF') : v > 0 ? 'V2' : null,
    string_method: v >= 4 ? method('StrF') : v > 0 ? 'V2' : null,
    decrypted: false,
  };
  if (info.filter === 'Standard') {
    const decryptor = standardDecryptor(doc, enc, info);
    if (decryptor) {
      doc.decryptor = decryptor;
      info.decrypted = true;
    }
  }
  return info;
}
