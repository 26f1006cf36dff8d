import { join } from 'node:path';
import { pino, type DestinationStream } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { createStream } from 'rotating-file-stream';
import { z } from 'zod';

export const LOG_FILE_NAME = 'stoq.log';

/** Rotated files kept when only the size is given (upstream's default `log_backup_count`). */
export const DEFAULT_BACKUP_COUNT = 5;

/** How `<logDir>/stoq.log` is written: the `log_maxbytes`, `log_backup_count` and `log_syntax` keys. */
export interface LogFileOptions {
  /** Rotate once the file reaches this many bytes; 0 or unset: never rotate. */
  maxBytes?: number;
  /** Rotated files kept, `stoq.log.1` (newest) … `stoq.log.N`; default 5. Needs `maxBytes`. */
  backupCount?: number;
  /** `json` (default): one JSON object a line. `text`: one readable line per entry. */
  syntax?: 'json' | 'text';
}

/**
 * Why these settings cannot act, or undefined. A backup count with nothing to rotate would be
 * silently ignored (upstream's RotatingFileHandler ignored it), so it is refused instead.
 */
export function logFileProblem(maxBytes: number | undefined, backupCount: number | undefined): string | undefined {
  if (backupCount === undefined) return undefined;
  if (!maxBytes) return 'log_backup_count needs log_maxbytes above 0: files are only rotated by size';
  if (backupCount < 1) return 'log_backup_count must be at least 1 (rotated files to keep) when log_maxbytes is set';
  return undefined;
}

const LogFileOptionsSchema = z
  .object({
    maxBytes: z.number().int().nonnegative().optional(),
    backupCount: z.number().int().nonnegative().optional(),
    syntax: z.enum(['json', 'text']).optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const problem = logFileProblem(o.maxBytes, o.backupCount);
    if (problem) ctx.addIssue({ code: 'custom', path: ['backupCount'], message: problem });
  });

/** The log file a logger writes to. */
export interface LogFile {
  readonly path: string;
  /** What pino writes its JSON lines to (rewritten as text lines for `syntax: 'text'`). */
  readonly destination: DestinationStream;
  /** Flush and close; resolves once every line is on disk and any rotation has finished. */
  close(): Promise<void>;
}

/** Open `<dir>/stoq.log` (creating `dir`), rotated by size when `maxBytes` is set. */
export function openLogFile(dir: string, options: LogFileOptions = {}): LogFile {
  const parsed = LogFileOptionsSchema.safeParse(options);
  if (!parsed.success) throw new Error(`Invalid log file options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { maxBytes, backupCount = DEFAULT_BACKUP_COUNT, syntax = 'json' } = parsed.data;
  const path = join(dir, LOG_FILE_NAME);

  let stream: NodeJS.EventEmitter & { write(line: string): unknown; end(): unknown };
  if (maxBytes) {
    // Classic logrotate naming, as upstream's RotatingFileHandler: stoq.log, stoq.log.1 … .N.
    const rotating = createStream(LOG_FILE_NAME, { path: dir, size: `${maxBytes}B`, rotate: backupCount });
    let reported = false;
    const report = (err: Error) => {
      if (reported) return;
      reported = true;
      process.stderr.write(`stoq: cannot write the log file ${path}: ${err.message}\n`);
    };
    rotating.on('error', report);
    rotating.on('warning', report);
    stream = rotating;
  } else {
    stream = pino.destination({ dest: path, mkdir: true, sync: false });
  }

  // Resolves when the file is closed: after close(), or after an error closed it.
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  const toText = syntax === 'text' ? prettyFactory({ colorize: false, singleLine: true, translateTime: 'SYS:standard' }) : undefined;
  let closing: Promise<void> | undefined;
  return {
    path,
    destination: {
      write: (line: string) => {
        // Lines logged after close() are dropped: a closed stream would throw or emit 'error'.
        if (!closing) stream.write(toText ? toText(line) : line);
      },
    },
    close: () => {
      if (!closing) {
        stream.end();
        closing = closed;
      }
      return closing;
    },
  };
}
