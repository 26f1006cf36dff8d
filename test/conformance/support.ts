import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_PLUGIN_DIR, createLogger, readManifest, Stoq, type Logger, type StoqOptions } from 'rxstoq';

/** The fixture data dir: `stoq.yaml` plus the test plugins (upstream's stoq/tests/data). */
export const DATA_DIR = fileURLToPath(new URL('../fixtures/data', import.meta.url));
export const PLUGINS_DIR = `${DATA_DIR}/plugins`;
export const PLUGINS2_DIR = `${DATA_DIR}/plugins2`;
export const INVALID_PLUGINS_DIR = `${DATA_DIR}/invalid_plugins`;

export const GENERIC_CONTENT = Buffer.from('The quick brown fox');

export interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** An in-memory pino destination: every line parsed back into a record. */
export class LogCapture {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
  }

  get records(): LogRecord[] {
    return this.lines.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as LogRecord);
  }

  at(level: number): LogRecord[] {
    return this.records.filter((r) => r.level === level);
  }

  clear(): void {
    this.lines.length = 0;
  }

  logger(level = 'debug'): Logger {
    return createLogger({ level, destination: this });
  }
}

/**
 * A Stoq over the fixture data dir, loaded and ready. Logging is off unless the test captures it
 * (upstream's setUp disabled logging too).
 */
export async function makeStoq(options: StoqOptions = {}): Promise<Stoq> {
  return Stoq.create({ baseDir: DATA_DIR, logLevel: 'silent', ...options });
}

/** The cached instance of a fixture plugin, typed, so a test can set its knobs or spy on it. */
export async function plugin<T>(s: Stoq, name: string): Promise<T> {
  return (await s.loadPlugin(name)) as unknown as T;
}

/**
 * Names of the bundled plugins (always indexed, lowest precedence), read from their manifests;
 * folders discovery skips (node_modules, fixtures) are skipped here too.
 */
export function bundledPluginNames(): string[] {
  return readdirSync(BUNDLED_PLUGIN_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.stoq.yaml') && !f.split('/').some((part) => part === 'node_modules' || part === 'fixtures'))
    .map((f) => readManifest(join(BUNDLED_PLUGIN_DIR, f)).name);
}
