import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { displayPath, walkFiles, type FoundPath } from '../io/walk-files.js';
import { FileTooLargeError, readFileFast } from '../io/read-file.js';
import { Payload } from '../model/payload.js';
import { PayloadMeta } from '../model/payload-meta.js';
import { Request } from '../model/request.js';
import type { RequestMeta } from '../model/request-meta.js';
import { StoqError } from '../model/stoq-error.js';
import { allocShared } from '../pool/shared-bytes.js';

export const isDirectory = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Files named on the command line, then every file under each directory, pulled lazily. */
export async function* inputFiles(inputs: string[], onError: (path: string, err: Error) => void): AsyncGenerator<FoundPath> {
  for (const input of inputs) {
    if (isDirectory(input)) yield* walkFiles(input, onError);
    else yield input;
  }
}

/**
 * Every input gets a response, even one that cannot be read: an unscanned payload recording the
 * file and an error that says why (a file over the size limit is recorded with its real size).
 */
export function unreadableRequest(path: string, err: Error, extra_data: Record<string, unknown>, request_meta: RequestMeta): Request {
  const payload = new Payload(Buffer.alloc(0), new PayloadMeta({ extra_data, should_scan: err instanceof FileTooLargeError }));
  const request = new Request({ payloads: [payload], request_meta });
  if (err instanceof FileTooLargeError) {
    // admit() records PAYLOAD_TOO_LARGE against the real size.
    payload.results.size = err.size;
  } else {
    const code = (err as NodeJS.ErrnoException).code;
    request.errors.push(new StoqError(`Cannot read ${path}: ${code ?? err.message}`, null, payload.payload_id, 'INPUT_UNREADABLE'));
  }
  return request;
}

/**
 * The request for one input file of a multi-file scan: the file as the payload, or, when it
 * cannot be read, an unscanned payload with the reason. `readError` is set when the failure is
 * to be reported (a file over the size limit is recorded, not reported).
 */
export function fileRequest(
  path: FoundPath,
  maxBytes: number,
  requestMeta: RequestMeta,
  alloc?: (size: number) => Buffer,
): { request: Request; shown: string; readError?: Error } {
  const shown = displayPath(path);
  const extra_data = { filename: basename(shown), source_dir: dirname(shown) };
  try {
    return {
      request: new Request({ payloads: [new Payload(readFileFast(path, maxBytes, alloc), new PayloadMeta({ extra_data }))], request_meta: requestMeta }),
      shown,
    };
  } catch (err) {
    const request = unreadableRequest(shown, err as Error, extra_data, requestMeta);
    return { request, shown, readError: err instanceof FileTooLargeError ? undefined : (err as Error) };
  }
}

const SHARE_FROM = 1024 * 1024;

/**
 * Large files go straight into shared memory, so a plugin that hashes them in the worker pool
 * reads them in place instead of copying them (a 128 MiB file would otherwise exist twice).
 * Small ones stay in ordinary buffers: pool threads would keep shared slabs alive.
 */
export const shareLargeFiles = (size: number): Buffer => (size >= SHARE_FROM ? allocShared(size) : Buffer.allocUnsafe(size));
