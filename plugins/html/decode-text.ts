import { textDecoder } from 'rxstoq';

/**
 * Page bytes to text: a BOM decides; otherwise UTF-8, and a page that is not valid UTF-8 is read as
 * windows-1252 (the web's default for legacy pages) so that no byte is lost to U+FFFD.
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return textDecoder('windows-1252').decode(bytes);
  }
}
