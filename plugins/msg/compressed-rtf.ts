/** [MS-OXRTFCP] 2.1.3.1: the dictionary's initial contents (207 bytes). */
export const RTF_PREBUF =
  '{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx';

const COMPRESSED = 0x75465a4c; // "LZFu"
const UNCOMPRESSED = 0x414c454d; // "MELA"

export interface RtfOutcome {
  rtf: Uint8Array;
  problems: string[];
}

/**
 * Decompress PR_RTF_COMPRESSED ([MS-OXRTFCP]). Written here rather than taken from
 * @kenjiuno/decompressrtf 0.1.4, which trusts the header's size and reads past the input, so a
 * hostile size makes it loop billions of times. Input is bounded by the bytes present, output by
 * `maxSize`; the CRC is not checked (a bad one is common and changes nothing we report).
 */
export function decompressRtf(data: Uint8Array, maxSize: number): RtfOutcome {
  const problems: string[] = [];
  if (data.length < 16) return { rtf: new Uint8Array(0), problems: ['compressed RTF shorter than its 16-byte header'] };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const compSize = view.getUint32(0, true);
  const rawSize = view.getUint32(4, true);
  const type = view.getUint32(8, true);
  if (compSize + 4 > data.length) problems.push(`compressed RTF declares ${compSize + 4} bytes, ${data.length} present`);
  if (rawSize > maxSize) problems.push(`compressed RTF declares ${rawSize} bytes uncompressed, more than max_rtf_size (${maxSize}); cut there`);
  const limit = Math.min(rawSize, maxSize);
  if (type === UNCOMPRESSED) return { rtf: data.slice(16, 16 + limit), problems };
  if (type !== COMPRESSED) return { rtf: new Uint8Array(0), problems: [...problems, `unknown compressed RTF type 0x${type.toString(16)}`] };

  const end = Math.min(data.length, compSize + 4);
  const dict = new Uint8Array(4096);
  for (let i = 0; i < RTF_PREBUF.length; i++) dict[i] = RTF_PREBUF.charCodeAt(i);
  let write = RTF_PREBUF.length;
  const out = new Uint8Array(limit);
  let n = 0;
  let at = 16;
  let ended = false;
  while (at < end && n < limit && !ended) {
    const control = data[at++]!;
    for (let bit = 0; bit < 8 && n < limit; bit++) {
      if ((control & (1 << bit)) === 0) {
        if (at >= end) break;
        const b = data[at++]!;
        out[n++] = b;
        dict[write] = b;
        write = (write + 1) & 4095;
        continue;
      }
      if (at + 2 > end) break;
      const token = (data[at]! << 8) | data[at + 1]!;
      at += 2;
      const offset = token >> 4;
      if (offset === write) {
        ended = true;
        break;
      }
      const length = (token & 15) + 2;
      for (let i = 0; i < length && n < limit; i++) {
        const b = dict[(offset + i) & 4095]!;
        out[n++] = b;
        dict[write] = b;
        write = (write + 1) & 4095;
      }
    }
  }
  if (!ended && n < limit) problems.push(`compressed RTF ends without its end marker after ${n} of ${rawSize} bytes`);
  return { rtf: out.subarray(0, n), problems };
}
