import { join } from 'node:path';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Also append JSON lines to `<logDir>/stoq.log`. */
  logDir?: string | null;
  /** Pretty, human-readable lines (the CLI turns this on when stderr is a terminal). */
  pretty?: boolean;
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
  throw new Error(`Invalid log level "${level}": expected one of ${[...LEVELS].join(', ')}`);
}

// One stderr stream for the whole process: several Stoq instances must not stack writers on the
// same descriptor (upstream added a handler per instance and repeated every line, §7.27).
let stderrDestination: DestinationStream | undefined;
const sharedStderr = () => (stderrDestination ??= pino.destination({ dest: 2, sync: true }));

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = normaliseLevel(options.level);
  const base = { name: 'stoq' };
  if (options.pretty && !options.destination && !options.logDir) {
    return pino({ level, base, transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:standard' } } });
  }
  const primary = options.destination ?? sharedStderr();
  if (!options.logDir) return pino({ level, base }, primary);
  const file = pino.destination({ dest: join(options.logDir, 'stoq.log'), mkdir: true, sync: false });
  return pino({ level, base }, pino.multistream([{ stream: primary, level }, { stream: file, level }]));
}
