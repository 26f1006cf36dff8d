import type { Writable } from 'node:stream';

/**
 * Write and wait for the stream to drain when its buffer is full, so a slow reader of our
 * output slows the scan down instead of letting output pile up in memory.
 */
export function writeOut(stream: Writable, text: string): Promise<void> | void {
  if (stream.write(text)) return;
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    stream.once('drain', onDrain);
    stream.once('error', done);
  });
}
