import type { PayloadMetaInit } from '../model/payload-meta.js';

/**
 * A worker's answer as the result cache keeps it: results as JSON text (so every hit gets its
 * own copy to put in a response), the payloads it extracted with their metadata, and the workers
 * it asked for. Answers that carried errors are never cached (an error may be passing).
 */
export interface CachedAnswer {
  /** `JSON.stringify(results)`; `undefined` when the worker returned no results. */
  results: string | undefined;
  dispatch_to: string[];
  extracted: Array<{ content: Uint8Array; payload_meta: PayloadMetaInit }>;
}

const HEADER_BYTES = 4;

/** Bytes the answer takes in memory, near enough for the cache's byte cap. */
export function answerSize(answer: CachedAnswer): number {
  let n = 64 + (answer.results?.length ?? 0) * 2;
  for (const e of answer.extracted) n += e.content.byteLength + 128;
  return n;
}

/**
 * One buffer for a shared store (Redis): a 4-byte header length, the header as JSON (results
 * text, dispatch_to, each extracted payload's metadata and length), then the extracted contents.
 */
export function encodeAnswer(answer: CachedAnswer): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      v: 1,
      results: answer.results ?? null,
      dispatch_to: answer.dispatch_to,
      extracted: answer.extracted.map((e) => ({ meta: e.payload_meta, length: e.content.byteLength })),
    }),
  );
  const prefix = Buffer.alloc(HEADER_BYTES);
  prefix.writeUInt32BE(header.length);
  return Buffer.concat([prefix, header, ...answer.extracted.map((e) => e.content)]);
}

/** The answer back from `encodeAnswer`'s bytes; `undefined` for anything else (an entry written by another version). */
export function decodeAnswer(bytes: Buffer): CachedAnswer | undefined {
  try {
    const headerLength = bytes.readUInt32BE(0);
    const header = JSON.parse(bytes.subarray(HEADER_BYTES, HEADER_BYTES + headerLength).toString()) as {
      v: number;
      results: string | null;
      dispatch_to: string[];
      extracted: Array<{ meta: PayloadMetaInit; length: number }>;
    };
    if (header.v !== 1) return undefined;
    let at = HEADER_BYTES + headerLength;
    const extracted = header.extracted.map((e) => {
      const content = bytes.subarray(at, at + e.length);
      at += e.length;
      return { content, payload_meta: e.meta };
    });
    if (at !== bytes.length) return undefined;
    return { results: header.results ?? undefined, dispatch_to: header.dispatch_to, extracted };
  } catch {
    return undefined;
  }
}
