import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { StoqPluginException } from '../exceptions.js';

const lowerKeys = (o: Record<string, unknown> | undefined): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k.toLowerCase(), v]));

/** `STOQ_<PLUGIN>__<OPTION>` — double underscore, because plugin names contain single ones. */
export function envPrefix(pluginName: string): string {
  return `STOQ_${pluginName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}__`;
}

/** Options for a plugin from the environment; values are read as YAML scalars (typed). */
export function envOptions(pluginName: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const prefix = envPrefix(pluginName);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(prefix) || value === undefined) continue;
    let parsed: unknown = value;
    try {
      parsed = parseYaml(value);
    } catch {
      parsed = value;
    }
    out[key.slice(prefix.length).toLowerCase()] = parsed ?? value;
  }
  return out;
}

/**
 * Merge a plugin's options, highest first: pluginOpts > environment > config-file section >
 * manifest defaults. Values keep their types (upstream turned everything into strings, §7.18).
 */
export function mergeOptions(
  manifestDefaults: Record<string, unknown> | undefined,
  configSection: Record<string, unknown> | undefined,
  env: Record<string, unknown>,
  pluginOpts: Record<string, unknown> | undefined,
): Record<string, unknown> {
  return { ...lowerKeys(manifestDefaults), ...lowerKeys(configSection), ...lowerKeys(env), ...lowerKeys(pluginOpts) };
}

/** Validate merged options with a plugin's zod schema; the error names plugin, option and type. */
export function validateOptions(pluginName: string, schema: z.ZodType | undefined, options: Record<string, unknown>): Record<string, unknown> {
  if (!schema) return options;
  const result = schema.safeParse(options);
  if (result.success) return { ...options, ...(result.data as Record<string, unknown>) };
  const problems = result.error.issues
    .map((i) => `option "${i.path.join('.') || '(all)'}": ${i.message}${'input' in i && i.input !== undefined ? ` (got ${JSON.stringify(i.input)})` : ''}`)
    .join('; ');
  throw new StoqPluginException(`Plugin "${pluginName}" has invalid options: ${problems}`);
}
