import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { openLogFile, type LogFile, type LogFileOptions } from './log-file.js';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Also write to `<logDir>/stoq.log`. */
  logDir?: string | null;
  /** Rotation and syntax of that file (the `log_maxbytes`, `log_backup_count`, `log_syntax` keys). */
  logFile?: LogFileOptions;
  /** Pretty, human-readable lines (the CLI turns this on when stderr is a terminal). */
  pretty?: boolean;
  /** Colour in pretty lines. Default: `stderrTakesColour()` on stderr, none on a `destination`. */
  colour?: boolean;
  /** Where lines go; default stderr. Tests pass a memory stream. */
  destination?: DestinationStream;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const ALIASES: Record<string, LevelWithSilent> = { warning: 'warn', critical: 'fatal', crtical: 'fatal' };

/** Accepts pino's level names and upstream's Python ones (WARNING, CRITICAL), any case. */
export function normaliseLevel(level: string | undefined): LevelWithSilent {
  const l = (level ?? 'info').toLowerCase();
  if (LEVELS.has(l)) return l as LevelWithSilent;
  if (l in ALIASES) return ALIASES[l]!;
  throw new Error(`Invalid log level "${level}": expected one of ${[...LEVELS].join(', ')}, warning or critical (any case)`);
}

/**
 * Whether lines on stderr may be coloured: stderr is a terminal that takes colour (Node's check,
 * which honours FORCE_COLOR, NODE_DISABLE_COLORS and TERM=dumb) and NO_COLOR is not set
 * (no-color.org). pino-pretty's own default looks at stdout, which is the wrong stream when
 * output is piped and logs are not.
 */
export function stderrTakesColour(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR']) return false;
  return stream.isTTY === true && stream.hasColors(env);
}

// One stderr stream for the whole process: several Stoq instances must not stack writers on the
// same descriptor (upstream added a handler per instance and repeated every line, UD-27).
let stderrDestination: DestinationStream | undefined;
const sharedStderr = () => (stderrDestination ??= pino.destination({ dest: 2, sync: true }));

/** Pretty lines, formatted in this thread and written in order with everything else. */
function prettyLines(into: DestinationStream, colour: boolean): DestinationStream {
  const prettify = prettyFactory({ colorize: colour, translateTime: 'SYS:standard' });
  return { write: (line: string) => into.write(prettify(line)) };
}

const logFiles = new WeakMap<Logger, LogFile>();

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = normaliseLevel(options.level);
  const base = { name: 'stoq' };
  let primary = options.destination ?? sharedStderr();
  if (options.pretty) primary = prettyLines(primary, options.colour ?? (options.destination ? false : stderrTakesColour()));
  if (!options.logDir) {
    const log = pino({ level, base }, primary);
    const settings = Object.entries(options.logFile ?? {}).filter(([, v]) => v !== undefined);
    // Accepted but unable to act: say so rather than ignore them.
    if (settings.length > 0)
      log.warn({ settings: Object.fromEntries(settings) }, 'log file settings have no effect: no log_dir is set, so there is no log file');
    return log;
  }
  const file = openLogFile(options.logDir, options.logFile);
  const log = pino(
    { level, base },
    pino.multistream([
      { stream: primary, level },
      { stream: file.destination, level },
    ]),
  );
  logFiles.set(log, file);
  return log;
}

/**
 * Flush and close the log file of a logger made by `createLogger` (a no-op without one):
 * resolves once every line is on disk. Lines logged afterwards reach stderr only.
 */
export async function closeLogFile(log: Logger): Promise<void> {
  await logFiles.get(log)?.close();
}
