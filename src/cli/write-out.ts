import type { Writable } from 'node:stream';
import { stdoutError } from './stdout-closed.js';

/** Why `stream` can no longer be written to: for stdout, OutputClosed once its reader has gone. */
const failureOf = (stream: Writable, err?: Error): Error | undefined =>
  (stream === process.stdout ? stdoutError() : undefined) ?? err ?? (stream.destroyed ? new Error('the output stream was closed') : undefined);

/**
 * Write and wait for the stream to drain when its buffer is full, so a slow reader of our
 * output slows the scan down instead of letting output pile up in memory. Throws (OutputClosed
 * for stdout) once the stream cannot take more, instead of waiting for a 'drain' that never comes.
 */
export function writeOut(stream: Writable, text: string): Promise<void> | void {
  const before = failureOf(stream);
  if (before) throw before;
  if (stream.write(text)) return;
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', done);
      stream.off('close', onClose);
      if (err) reject(failureOf(stream, err));
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(failureOf(stream) ?? new Error('the output stream was closed'));
    stream.once('drain', onDrain);
    stream.once('error', done);
    stream.once('close', onClose);
  });
}
