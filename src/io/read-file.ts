import { closeSync, constants, fstatSync, openSync, readSync, type PathLike } from 'node:fs';

/** A file is bigger than the caller allows; the file was not read. */
export class FileTooLargeError extends Error {
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(
    readonly path: PathLike,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`${String(path)}: ${size} bytes exceeds the maximum payload size of ${limit} bytes`);
    this.name = 'FileTooLargeError';
  }
}

/**
 * Read a whole regular file with one open, one fstat and as few reads as the size needs. For
 * many small files this is several times faster than fs.promises.readFile (no stream or
 * thread-pool hop per chunk), which is what decides small-file scan throughput. `alloc` lets
 * the caller choose the memory (e.g. `allocShared`, so pool threads can read it in place).
 */
export function readFileFast(path: PathLike, maxBytes = Infinity, alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  // Non-blocking, so a FIFO with no writer is refused below instead of hanging the process.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw Object.assign(new Error(`${String(path)}: not a regular file`), { code: 'ENOTFILE' });
    if (stat.size > maxBytes) throw new FileTooLargeError(path, stat.size, maxBytes);
    const buf = alloc(stat.size);
    let off = 0;
    while (off < stat.size) {
      const n = readSync(fd, buf, off, stat.size - off, off);
      if (n === 0) break; // truncated while we read: keep what is there
      off += n;
    }
    return off === stat.size ? buf : buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}
