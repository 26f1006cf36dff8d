import { createLogger, type Logger } from '../log/logger.js';

let current: Logger | undefined;

/**
 * Where the CLI's own log lines (Node's process warnings) go: once a command has built its Stoq,
 * that Stoq's logger (its level, its log file); before that, stderr at warn level.
 */
export function cliLog(): Logger {
  return (current ??= createLogger({ level: 'warn', pretty: process.stderr.isTTY === true }));
}

export function useCliLog(log: Logger): void {
  current = log;
}
