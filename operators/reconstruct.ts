import { concatMap, from, type Observable } from 'rxjs';
import type { PayloadResults } from '../src/model/payload-results.js';
import { StoqResponse } from '../src/model/stoq-response.js';
import { decorateResponse } from './decorate.js';
import type { Engine } from './internal/engine.js';

/** Ids of `root` and everything extracted from it, directly or not, whatever the result order. */
function subtree(results: PayloadResults[], rootId: string): Set<string> {
  const ids = new Set([rootId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of results) {
      if (!ids.has(r.payload_id) && r.extracted_from.some((p) => ids.has(p))) {
        ids.add(r.payload_id);
        grew = true;
      }
    }
  }
  return ids;
}

/**
 * Each payload of a response as the root of its own response: itself and everything extracted
 * from it, each once, with the errors that belong to those payloads; re-decorated; same
 * `scan_id` and `time` (upstream duplicated entries and dropped errors, UD-11).
 *
 * @example
 * reconstructSubresponses(engine, response).subscribe((sub) => console.log(sub.results.length));
 */
export function reconstructSubresponses(engine: Engine, response: StoqResponse): Observable<StoqResponse> {
  return from(response.results).pipe(
    concatMap((root) => {
      const ids = subtree(response.results, root.payload_id);
      const results = [root, ...response.results.filter((r) => r !== root && ids.has(r.payload_id))];
      const sub = new StoqResponse({
        results,
        request_meta: response.request_meta,
        errors: response.errors.filter((e) => e.payload_id !== null && ids.has(e.payload_id)),
        time: response.time,
        scan_id: response.scan_id,
      });
      return decorateResponse(engine, sub);
    }),
  );
}
