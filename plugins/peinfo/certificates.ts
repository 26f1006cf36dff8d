import { createHash } from 'node:crypto';
import { DIR, type PeImage } from './pe-image.js';

export interface CertificateEntry {
  revision: number;
  cert_type: number;
  /** dwLength: the WIN_CERTIFICATE entry's size, header included. */
  entry_size: number;
  cert_size: number;
  offset: number;
  md5: string;
  sha1: string;
  sha256: string;
  data: Buffer;
}

const hex = (algorithm: string, b: Buffer) => createHash(algorithm).update(b).digest('hex');

/**
 * The attribute certificate table (the security directory, whose address is a file offset, not
 * an RVA): WIN_CERTIFICATE entries, each 8-byte aligned. At most `max` entries.
 */
export function readCertificates(pe: PeImage, max: number, warn: (m: string) => void): CertificateEntry[] {
  const dir = pe.directory(DIR.SECURITY);
  if (!dir) return [];
  const end = dir.rva + dir.size;
  if (end > pe.data.length) warn(`certificate table (offset 0x${dir.rva.toString(16)}, ${dir.size} bytes) runs past the end of the data`);
  const list: CertificateEntry[] = [];
  for (let at = dir.rva; at + 8 <= Math.min(end, pe.data.length); ) {
    if (list.length >= max) {
      warn(`more than ${max} certificate table entries; the rest are not read`);
      break;
    }
    const length = pe.data.readUInt32LE(at);
    if (length < 8 || at + length > pe.data.length) {
      warn(`certificate table entry at offset 0x${at.toString(16)} has an impossible length ${length}`);
      break;
    }
    const data = pe.data.subarray(at + 8, at + length);
    list.push({
      revision: pe.data.readUInt16LE(at + 4),
      cert_type: pe.data.readUInt16LE(at + 6),
      entry_size: length,
      cert_size: data.length,
      offset: at,
      md5: hex('md5', data),
      sha1: hex('sha1', data),
      sha256: hex('sha256', data),
      data,
    });
    at += (length + 7) & ~7;
  }
  return list;
}
