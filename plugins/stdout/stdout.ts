import { once } from 'node:events';
import { ConnectorPlugin, dumps, type CallContext, type StoqResponse } from 'rxstoq';

/**
 * Each response as one compact JSON line on stdout (JSON Lines), so output can be piped into
 * `jq` or another process. A line is written with a single `write()`, so concurrent saves never
 * interleave; when stdout's buffer is full the save waits for 'drain', which slows the pipeline
 * down instead of buffering without bound.
 */
export class StdoutPlugin extends ConnectorPlugin {
  #streamError: Error | undefined;
  readonly #onError = (err: NodeJS.ErrnoException) => {
    this.#streamError = err;
    // A reader that went away (`stoq run -C stdout | head -1`) is expected, not worth a stack trace.
    if (err.code === 'EPIPE') this.log.info('stdout was closed by its reader: no more responses are written');
    else this.log.error({ err }, `stdout failed: ${err.message}`);
  };

  override async setup(): Promise<void> {
    // Without a listener a closed pipe (EPIPE) would be an uncaught error and end the process.
    process.stdout.on('error', this.#onError);
  }

  override async close(): Promise<void> {
    process.stdout.off('error', this.#onError);
  }

  async save(response: StoqResponse, ctx?: CallContext): Promise<void> {
    if (this.#streamError) throw unusable(this.#streamError);
    ctx?.signal.throwIfAborted();
    const out = process.stdout;
    const flushed = out.write(`${dumps(response, { compactly: true })}\n`, (err) => {
      if (err) this.#streamError ??= err;
    });
    if (!flushed)
      await once(out, 'drain', { signal: ctx?.signal }).catch((err: NodeJS.ErrnoException) => Promise.reject(err.code === 'EPIPE' ? unusable(err) : err));
  }
}

/** The save fails (the response was not written); a closed pipe's failure carries no stack trace. */
function unusable(cause: NodeJS.ErrnoException): Error {
  const err = new Error(`stdout is unusable: ${cause.message}`);
  if (cause.code === 'EPIPE') err.stack = `Error: ${err.message}`;
  return err;
}
