import { PeFormatError, PeImage } from '../peinfo/pe-image.js';

export interface Carved {
  offset: number;
  data: Buffer;
}

export interface CarveLimits {
  max_carved: number;
  max_candidates: number;
  max_sections: number;
}

/** Every PE starting at an `MZ` after offset 0, trimmed as pefile's `PE(data=content[offset:]).trim()`. */
export function carvePes(content: Buffer, limits: CarveLimits): { carved: Carved[]; warnings: string[] } {
  const carved: Carved[] = [];
  const warnings: string[] = [];
  let candidates = 0;
  for (let at = content.indexOf('MZ', 1, 'latin1'); at !== -1; at = content.indexOf('MZ', at + 1, 'latin1')) {
    if (++candidates > limits.max_candidates) {
      warnings.push(`more than ${limits.max_candidates} MZ candidates (max_candidates); the rest of the payload is not searched`);
      break;
    }
    // The cheap test first: most MZ bytes in a payload are not followed by a PE header.
    if (at + 64 > content.length) break;
    const lfanew = content.readUInt32LE(at + 0x3c);
    if (at + lfanew + 4 > content.length || content.readUInt32LE(at + lfanew) !== 0x00004550) continue;
    const data = content.subarray(at);
    let pe: PeImage;
    try {
      pe = new PeImage(data, limits.max_sections);
    } catch (e) {
      if (e instanceof PeFormatError) continue;
      throw e;
    }
    if (carved.length >= limits.max_carved) {
      warnings.push(`more than ${limits.max_carved} embedded PEs (max_carved); the rest are not extracted`);
      break;
    }
    carved.push({ offset: at, data: data.subarray(0, pe.overlayOffset() ?? data.length) });
  }
  return { carved, warnings };
}
