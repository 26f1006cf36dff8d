import { z } from 'zod';

/**
 * Options the framework reads from every plugin, whatever the plugin declares. A plugin's own
 * schema may declare one of them again (with a default of its own); its declaration then wins.
 */
export const CommonOptionsSchema = z.object({
  /** Seconds one call may take; unset: the engine's `plugin_timeout`. */
  timeout: z.number().nonnegative().optional(),
  /** At most this many calls of this plugin at once; unset: only the engine's own limits. */
  concurrency: z.number().int().positive().optional(),
  /** Worker threads of an `isolation: thread` plugin; unset: min(cores, 4). */
  threads: z.number().int().positive().optional(),
  /** Workers that must have run on a payload before this one; replaces the manifest's list. */
  required_workers: z.array(z.string()).optional(),
});

export type CommonOptions = z.output<typeof CommonOptionsSchema>;
