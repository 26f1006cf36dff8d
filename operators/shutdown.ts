/** The two stages of stopping a run: no more input at once, then no more scanning after a grace period. */
export interface Shutdown {
  /** Aborted as soon as the run is asked to stop: providers stop reading. */
  stopIngest: AbortSignal;
  /** Aborted `graceSeconds` later: scans still in flight are cancelled (their payloads get an error). */
  cancelScans: AbortSignal;
  /** Stop listening and forget the grace timer (call when the run is over). */
  dispose(): void;
}

/**
 * Graceful stop for a provider pipeline: when `signal` aborts, providers stop at once (pass
 * `stopIngest` to `ingest`) while items already taken may finish for `graceSeconds` (pass
 * `cancelScans` to `scanItems`), so a SIGTERM loses no work that could be saved.
 *
 * @example
 * const stop = gracefulShutdown(controller.signal, 30);
 * ingest(engine, providers, { signal: stop.stopIngest, demand: credits, log })
 *   .pipe(scanItems(engine, { signal: stop.cancelScans }), connect(engine), acknowledge(engine, credits), finalize(stop.dispose))
 *   .subscribe();
 */
export function gracefulShutdown(signal: AbortSignal | undefined, graceSeconds = 30): Shutdown {
  if (!(graceSeconds >= 0)) throw new RangeError(`graceSeconds must be a number of seconds >= 0, got ${graceSeconds}`);
  const stopIngest = new AbortController();
  const cancelScans = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onStop = () => {
    stopIngest.abort(signal?.reason ?? new Error('run stopped'));
    timer = setTimeout(() => cancelScans.abort(new Error('shutdown grace period expired')), graceSeconds * 1000);
    timer.unref();
  };
  if (signal?.aborted) onStop();
  else signal?.addEventListener('abort', onStop, { once: true });
  return {
    stopIngest: stopIngest.signal,
    cancelScans: cancelScans.signal,
    dispose: () => {
      signal?.removeEventListener('abort', onStop);
      if (timer) clearTimeout(timer);
    },
  };
}
