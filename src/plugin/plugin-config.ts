import type { Logger } from '../log/logger.js';
import type { Manifest } from './manifest.js';

/** What the core hands a plugin's constructor. */
export interface PluginConfig {
  /** The plugin's name (the manifest's `name`). */
  name: string;
  manifest: Manifest;
  /**
   * Merged options, keys lower-cased (pluginOpts > `STOQ_<PLUGIN>__<OPTION>` environment variable,
   * double underscore > config file > manifest), typed and validated by the plugin's
   * `optionsSchema`, its defaults filled in.
   */
  options: Record<string, unknown>;
  /** Folder that holds the manifest; relative option paths (rules, templates) resolve from here. */
  pluginDir: string;
  log: Logger;
  /** The engine's default per-call timeout in seconds (`plugin_timeout`); see `BasePlugin.timeoutSeconds`. */
  pluginTimeout?: number;
}

/** Handed to every plugin call: cancellation and a logger bound to the scan and payload. */
export interface CallContext {
  /** Aborted when the plugin's timeout or the request deadline passes, or the run stops. */
  signal: AbortSignal;
  log: Logger;
}
