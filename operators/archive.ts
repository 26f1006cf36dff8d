import type { MonoTypeOperatorFunction } from 'rxjs';
import { formatError } from '../src/exceptions.js';
import type { Payload } from '../src/model/payload.js';
import { StoqError } from '../src/model/stoq-error.js';
import { invokePlugin } from './internal/invoke.js';
import { mergeMaybe } from './internal/merge-maybe.js';
import { errorCode, normaliseResultsResponse } from './internal/normalise.js';
import type { ScanContext } from './internal/scan-context.js';

/**
 * Hand one payload to every destination archiver, if the request and the payload both allow
 * archiving. Results go under `archivers[name]`; every archiver tried is listed in
 * `plugins_run.archivers` (in configuration order), whatever happened.
 */
async function archivePayload(ctx: ScanContext, payload: Payload): Promise<void> {
  const { engine, request } = ctx;
  if (!request.request_meta.archive_payloads || !payload.payload_meta.should_archive) return;
  const outcomes = await Promise.all(
    engine.destArchivers.map(async (archiver) => {
      const name = archiver.plugin_name;
      try {
        const raw = await invokePlugin(engine, archiver, (c) => archiver.archive?.(payload, request, c), {
          signal: ctx.signal,
          log: ctx.log,
          trace: ctx.trace && { parent: ctx.trace.context, role: 'archiver', attributes: { 'stoq.payload_id': payload.payload_id } },
        });
        return { name, response: normaliseResultsResponse(raw, 'ArchiverResponse') };
      } catch (err) {
        return { name, error: new StoqError(formatError(err, 'archiver:failed to archive'), name, payload.payload_id, errorCode(err)) };
      }
    }),
  );
  for (const o of outcomes) {
    payload.results.plugins_run.archivers.push(o.name);
    if (o.error) request.errors.push(o.error);
    if (o.response) {
      request.errors.push(...o.response.errors);
      if (o.response.results !== null && o.response.results !== undefined) payload.results.archivers[o.name] = o.response.results;
    }
  }
}

/**
 * The destination-archive stage as an operator over payloads.
 *
 * @example
 * from(ctx.request.payloads).pipe(archive(ctx), toArray()).subscribe();
 */
export function archive(ctx: ScanContext, concurrency = ctx.engine.payloadConcurrency): MonoTypeOperatorFunction<Payload> {
  return mergeMaybe((payload) => archivePayload(ctx, payload).then(() => payload), concurrency);
}
