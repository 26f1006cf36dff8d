/**
 * The reader of our stdout went away (`stoq scan DIR | head -1`): nothing more can be printed.
 * Not a failure: the command stops reading and scanning, closes its plugins and exits 0, as
 * `head` asked for no more.
 */
export class OutputClosed extends Error {
  readonly code = 'EPIPE';
  constructor() {
    super('stdout was closed by its reader');
    this.name = 'OutputClosed';
  }
}

const closed = new AbortController();
let failure: Error | undefined;

/** Aborts once stdout's reader has gone; `stoq run` stops its providers on it. */
export const stdoutClosed: AbortSignal = closed.signal;

/** The error to raise for a write now, if stdout can no longer be written to. */
export function stdoutError(): Error | undefined {
  return failure;
}

const onError = (err: NodeJS.ErrnoException) => {
  if (failure) return;
  // EPIPE from the pipe; ERR_STREAM_DESTROYED for writes queued after it.
  failure = err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED' ? new OutputClosed() : err;
  if (failure instanceof OutputClosed) closed.abort(failure);
};

let guarded = false;

/**
 * Listen for stdout's errors for as long as the process runs (an EPIPE can surface after the
 * command has returned). Without a listener a closed pipe is an uncaught 'error' event: Node
 * prints a stack trace and exits 1 at an arbitrary point.
 */
export function guardStdout(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on('error', onError);
}
