import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { CoreConfig } from './config-schema.js';

/** Built-in defaults for every core setting. */
export const DEFAULTS = {
  maxQueue: 100,
  providerConsumers: 2,
  maxRecursion: 10,
  maxRequiredWorkerDepth: 10,
  payloadConcurrency: 8,
  workerConcurrency: 64,
  pluginTimeout: 60,
  eventLoopWarning: 0.5,
  logLevel: 'info',
} as const;

/**
 * An explicit argument wins, even a falsy one (0, [], ''): upstream's `arg or config` meant
 * `maxRecursion: 0` could never be set (UD-17). Then the config file, then the default.
 */
export function pick<T>(explicit: T | undefined, fromConfig: T | undefined, fallback: T): T {
  if (explicit !== undefined) return explicit;
  if (fromConfig !== undefined) return fromConfig;
  return fallback;
}

export function cleanList(list: string[] | undefined): string[] {
  return (list ?? []).map((s) => s.trim()).filter(Boolean);
}

/**
 * Plugin folders from the config file resolve against the config file's folder; those given
 * by the caller resolve against the working directory (upstream resolved both against the CWD,
 * UD-19).
 */
export function resolvePluginDirs(explicit: string[] | undefined, core: CoreConfig, configFile: string, baseDir: string): string[] {
  if (explicit !== undefined) return cleanList(explicit).map((d) => resolve(d));
  if (core.plugin_dir_list !== undefined) {
    return cleanList(core.plugin_dir_list).map((d) => (isAbsolute(d) ? d : resolve(dirname(configFile), d)));
  }
  // The default folder is optional: a fresh install has only the bundled plugins.
  const fallback = resolve(baseDir, 'plugins');
  return existsSync(fallback) ? [fallback] : [];
}
