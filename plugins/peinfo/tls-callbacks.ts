import { DIR, type PeImage } from './pe-image.js';

/** Virtual addresses of the TLS callbacks (the NUL-terminated AddressOfCallBacks array), at most `max`. */
export function readTlsCallbacks(pe: PeImage, max: number, warn: (m: string) => void): number[] {
  const dir = pe.directory(DIR.TLS);
  if (!dir) return [];
  const width = pe.is64 ? 8 : 4;
  const header = pe.bytesAt(dir.rva, 4 * width);
  if (!header || header.length < 4 * width) {
    warn(`TLS directory at RVA 0x${dir.rva.toString(16)} is outside the data`);
    return [];
  }
  const readVa = (b: Buffer, at: number) => (pe.is64 ? b.readBigUInt64LE(at) : BigInt(b.readUInt32LE(at)));
  const callbacksVa = readVa(header, 3 * width);
  if (callbacksVa === 0n) return [];
  const arrayRva = Number(callbacksVa - pe.imageBase);
  if (arrayRva < 0 || !Number.isSafeInteger(arrayRva)) {
    warn('TLS AddressOfCallBacks lies below the image base');
    return [];
  }
  const callbacks: number[] = [];
  for (let i = 0; ; i++) {
    if (i >= max) {
      warn(`more than ${max} TLS callbacks; the rest are not read`);
      break;
    }
    const b = pe.bytesAt(arrayRva + i * width, width);
    if (!b || b.length < width) break;
    const va = readVa(b, 0);
    if (va === 0n) break;
    callbacks.push(Number(va));
  }
  return callbacks;
}
