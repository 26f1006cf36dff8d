import { ExtractedPayload, WorkerPlugin, WorkerResponse, type Payload } from 'rxstoq';

const ALPHABET = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') ALPHABET[c.charCodeAt(0)] = 1;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);
const PAD = 0x3d;

/**
 * Strict base64 (standard alphabet): whitespace anywhere is ignored, padding is optional but
 * may only end the data. Anything else is an error naming the first offending byte, where
 * upstream silently dropped it and decoded what was left.
 */
export function decodeBase64(content: Uint8Array): Buffer {
  const compact = Buffer.alloc(content.length);
  let length = 0;
  let padding = 0;
  for (let i = 0; i < content.length; i++) {
    const b = content[i]!;
    if (WHITESPACE.has(b)) continue;
    if (b === PAD) {
      padding++;
      continue;
    }
    if (!ALPHABET[b]) throw new Error(`not base64: byte 0x${b.toString(16).padStart(2, '0')} at offset ${i}`);
    if (padding > 0) throw new Error(`not base64: data continues after "=" padding (offset ${i})`);
    compact[length++] = b;
  }
  if (length === 0) throw new Error('not base64: the payload holds no base64 data');
  if (length % 4 === 1) throw new Error(`not base64: ${length} base64 characters cannot encode whole bytes`);
  if (padding > 0 && (padding > 2 || (length + padding) % 4 !== 0)) {
    throw new Error(`not base64: ${padding} "=" do not pad ${length} characters to a multiple of 4`);
  }
  return Buffer.from(compact.toString('latin1', 0, length), 'base64');
}

/** Base64-decodes the payload into one extracted payload; no results, as upstream. */
export class B64DecodePlugin extends WorkerPlugin {
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];
  scan(payload: Payload): WorkerResponse {
    return new WorkerResponse({ extracted: [new ExtractedPayload(decodeBase64(payload.content))] });
  }
}
