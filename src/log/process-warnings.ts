import type { Logger } from 'pino';

let routed = false;

/**
 * From now on, log Node's process warnings (deprecations, experimental features, MaxListeners)
 * through `log()` at warn level instead of Node's own `(node:PID) Warning: …` print on stderr,
 * so they follow the log level, format and file of every other line. Node's printer is the
 * 'warning' listener present at startup: call this first thing, before any library adds its own.
 */
export function routeProcessWarnings(log: () => Logger): void {
  if (routed) return;
  routed = true;
  for (const listener of process.listeners('warning')) process.off('warning', listener);
  process.on('warning', (warning: Error & { code?: string }) => {
    log().warn({ warning: { name: warning.name, ...(warning.code !== undefined && { code: warning.code }) } }, `${warning.name}: ${warning.message}`);
  });
}
