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
  /**
   * Run the plugin's calls in terminable worker threads (`thread`) or in the main thread
   * (`none`); unset: what its manifest says. Lets an operator contain a third-party plugin
   * from `stoq.yaml` or `--plugin-opts NAME:isolation=thread` without touching its code.
   */
  isolation: z.enum(['none', 'thread']).optional(),
  /** `false`: never reuse this plugin's answers from the result cache. */
  cache: z.boolean().optional(),
  /** V8 heap cap in MB for each thread an isolated plugin runs in; past it the call fails with PLUGIN_OUT_OF_MEMORY. */
  memory_limit_mb: z.number().int().positive().optional(),
  /** Workers that must have run on a payload before this one; replaces the manifest's list. */
  required_workers: z.array(z.string()).optional(),
});

export type CommonOptions = z.output<typeof CommonOptionsSchema>;
