import { FileTooLargeError, readFileFast } from '../io/read-file.js';
import { CliError } from './cli-error.js';

export async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) throw new CliError('No content to scan was provided (give a file, a directory, or pipe data to stdin)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Read one input file; any failure becomes a one-line CliError naming the file and the reason. */
export function readInputFile(path: string, maxBytes?: number): Buffer {
  try {
    return readFileFast(path, maxBytes);
  } catch (err) {
    if (err instanceof FileTooLargeError) throw err;
    const e = err as NodeJS.ErrnoException;
    const reason =
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EACCES'
          ? 'permission denied'
          : e.code === 'EISDIR'
            ? 'is a directory'
            : e.code === 'ENOTFILE'
              ? 'not a regular file'
              : e.message;
    throw new CliError(`Cannot read ${path}: ${reason}`, 1);
  }
}
