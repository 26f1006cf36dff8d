import { z } from 'zod';
import { ExtractedPayload, PayloadMeta, WorkerPlugin, WorkerResponse, type Payload } from 'rxstoq';

/**
 * An example worker: each line of the payload becomes an extracted payload, so the engine
 * recurses into it. Shows options with a zod schema, results, and extraction.
 */
export class LineSplitter extends WorkerPlugin {
  static override optionsSchema = z.object({ min_length: z.number().int().nonnegative() });

  scan(payload: Payload): WorkerResponse {
    const minLength = this.option<number>('min_length', 1);
    const lines = payload.content
      .toString('utf8')
      .split(/\r?\n/)
      .filter((l) => l.length >= minLength);
    // A single line is the payload itself: nothing to extract.
    const extracted = lines.length > 1 ? lines.map((l, i) => new ExtractedPayload(l, new PayloadMeta({ extra_data: { line: i + 1 } }))) : [];
    return new WorkerResponse({ results: { lines: lines.length }, extracted });
  }
}
