import { createHash } from 'node:crypto';
import type { PeImage } from './pe-image.js';

export interface RichHeader {
  /** XOR key (the checksum) as 8 hex digits. */
  checksum: string;
  entries: { product_id: number; build: number; count: number }[];
  /** md5 of the decoded header, as pefile's `get_rich_header_hash()`. */
  md5: string;
  /** sha256 of the decoded header: upstream stoQ's `rich_header` value. */
  sha256: string;
}

const DANS = 0x536e6144;
const RICH = 0x68636952;

/** The Rich header between the DOS stub and the PE header, decoded as pefile's `parse_rich_header`. */
export function readRichHeader(pe: PeImage): RichHeader | undefined {
  const data = pe.data;
  const rich = data.subarray(0, pe.optionalHeaderOffset).indexOf('Rich', 0x80, 'latin1');
  if (rich === -1) return undefined;
  const block = data.subarray(0x80, rich + 8);
  const words: number[] = [];
  for (let i = 0; i + 4 <= block.length; i += 4) words.push(block.readUInt32LE(i));
  const richIndex = words.indexOf(RICH);
  if (richIndex === -1 || richIndex + 1 >= words.length) return undefined;
  const key = words[richIndex + 1]!;
  const raw = block.subarray(0, block.indexOf('Rich', 0, 'latin1'));
  const clear = Buffer.alloc(raw.length);
  for (let i = 0; i < raw.length; i++) clear[i] = raw[i]! ^ ((key >>> (8 * (i % 4))) & 0xff);
  const checksum = words[1];
  if (checksum === undefined || (words[0]! ^ checksum) >>> 0 !== DANS || words[2] !== checksum || words[3] !== checksum) return undefined;
  const entries: RichHeader['entries'] = [];
  for (let i = 4; i + 1 < words.length; i += 2) {
    if (words[i] === RICH) break;
    const compId = (words[i]! ^ checksum) >>> 0;
    entries.push({ product_id: compId >>> 16, build: compId & 0xffff, count: (words[i + 1]! ^ checksum) >>> 0 });
  }
  return {
    checksum: checksum.toString(16).padStart(8, '0'),
    entries,
    md5: createHash('md5').update(clear).digest('hex'),
    sha256: createHash('sha256').update(clear).digest('hex'),
  };
}
