import { statSync } from 'node:fs';
import { walkFiles } from '../io/walk-files.js';

/**
 * How many inputs a scan will see (up to `limit`), counted by a second walk alongside the scan
 * (directory listings only, no file is opened), so the progress bar can show a total and an ETA.
 */
export async function countInputs(inputs: string[], signal?: AbortSignal, limit = Infinity): Promise<number> {
  let n = 0;
  for (const input of inputs) {
    if (n >= limit) return n;
    let isDir = false;
    try {
      isDir = statSync(input).isDirectory();
    } catch {
      // counted as one input: the scan reports it as unreadable
    }
    if (!isDir) {
      n++;
      continue;
    }
    for await (const _ of walkFiles(input)) {
      if (signal?.aborted || ++n >= limit) return n;
    }
  }
  return n;
}
