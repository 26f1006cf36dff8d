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
  readonly #onError = (err: Error) => {
    this.#streamError = err;
    this.log.error({ err }, `stdout failed: ${err.message}`);
  };

  override async setup(): Promise<void> {
    // Without a listener a closed pipe (EPIPE) would be an uncaught error and end the process.
    process.stdout.on('error', this.#onError);
  }

  override async close(): Promise<void> {
    process.stdout.off('error', this.#onError);
  }

  async save(response: StoqResponse, ctx?: CallContext): Promise<void> {
    if (this.#streamError) throw new Error(`stdout is unusable: ${this.#streamError.message}`);
    ctx?.signal.throwIfAborted();
    const out = process.stdout;
    const flushed = out.write(`${dumps(response, { compactly: true })}\n`, (err) => {
      if (err) this.#streamError ??= err;
    });
    if (!flushed) await once(out, 'drain', { signal: ctx?.signal });
  }
}
