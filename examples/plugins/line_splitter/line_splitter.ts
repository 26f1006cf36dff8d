import { z } from 'zod';
import { ExtractedPayload, PayloadMeta, WorkerPlugin, WorkerResponse, type Payload } from 'rxstoq';

const Options = z.object({
  /** Lines shorter than this are not extracted. */
  min_length: z.number().int().nonnegative().default(1),
});

/**
 * An example worker: each line of the payload becomes an extracted payload, so the engine
 * recurses into it. Shows typed options from a zod schema, results, and extraction.
 */
export class LineSplitter extends WorkerPlugin<typeof Options> {
  static override optionsSchema = Options;

  scan(payload: Payload): WorkerResponse {
    const minLength = this.options.min_length;
    const lines = payload.content
      .toString('utf8')
      .split(/\r?\n/)
      .filter((l) => l.length >= minLength);
    // A single line is the payload itself: nothing to extract.
    const extracted = lines.length > 1 ? lines.map((l, i) => new ExtractedPayload(l, new PayloadMeta({ extra_data: { line: i + 1 } }))) : [];
    return new WorkerResponse({ results: { lines: lines.length }, extracted });
  }
}
