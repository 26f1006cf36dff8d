import type { z } from 'zod';
import { StoqPluginException } from '../exceptions.js';
import { coerceOption, OptionValueError } from './coerce-option.js';
import { CommonOptionsSchema } from './option-schemas.js';

/** `STOQ_<PLUGIN>__<OPTION>` — double underscore, because plugin names contain single ones. */
export function envPrefix(pluginName: string): string {
  return `STOQ_${pluginName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}__`;
}

/** Where a plugin's options come from, lowest precedence first. */
export interface OptionLayers {
  /** The manifest's `options`. */
  manifest?: Record<string, unknown>;
  /** The plugin's section of the config file. */
  configSection?: Record<string, unknown>;
  /** The process environment: its `STOQ_<PLUGIN>__<OPTION>` variables, as strings. */
  env?: NodeJS.ProcessEnv;
  /** `pluginOpts` (the CLI's `--plugin-opts`). */
  pluginOpts?: Record<string, unknown>;
}

interface Given {
  value: unknown;
  /** Where the value came from, for error messages. */
  from: string;
}

type Shape = Record<string, z.ZodType>;

/** Merged, keys lower-cased (option names are case-insensitive), each value with its source. */
function mergeLayers(pluginName: string, layers: OptionLayers): Map<string, Given> {
  const merged = new Map<string, Given>();
  const add = (values: Record<string, unknown> | undefined, from: (key: string) => string) => {
    for (const [key, value] of Object.entries(values ?? {})) {
      // `undefined` means "not given", so a lower layer's value stands.
      if (value !== undefined) merged.set(key.toLowerCase(), { value, from: from(key) });
    }
  };
  add(layers.manifest, () => 'its manifest');
  add(layers.configSection, () => `the config file's "${pluginName}" section`);
  const prefix = envPrefix(pluginName);
  const env = Object.entries(layers.env ?? {}).filter(([key, value]) => key.startsWith(prefix) && value !== undefined);
  add(Object.fromEntries(env.map(([key, value]) => [key.slice(prefix.length), value])), (key) => `environment variable ${prefix}${key}`);
  add(layers.pluginOpts, () => 'pluginOpts / --plugin-opts');
  return merged;
}

/** The options shape a plugin declares, and whether it takes undeclared options too. */
function declaredShape(pluginName: string, schema: z.ZodType | undefined): { shape: Shape; loose: boolean } | undefined {
  if (schema === undefined) return undefined;
  const def = (schema as unknown as { _zod: { def: { type: string; shape?: Shape; catchall?: z.ZodType } } })._zod.def;
  if (def.type !== 'object' || !def.shape) {
    throw new StoqPluginException(`Plugin "${pluginName}": optionsSchema must be a z.object({...}) of its options (it is a ${def.type} schema)`);
  }
  const upper = Object.keys(def.shape).filter((k) => k !== k.toLowerCase());
  if (upper.length > 0) {
    throw new StoqPluginException(`Plugin "${pluginName}": option names must be lower case (options are matched case-insensitively): ${upper.join(', ')}`);
  }
  const catchall = (def.catchall as unknown as { _zod?: { def: { type: string } } } | undefined)?._zod?.def.type;
  return { shape: def.shape, loose: catchall === 'unknown' || catchall === 'any' };
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describe(key: string, given: Given | undefined): string {
  return given ? `${key} = ${show(given.value)} (from ${given.from})` : `${key} (not set)`;
}

/**
 * A plugin's options: every layer merged (pluginOpts > environment > config section >
 * manifest), each value turned into the type the plugin's schema (or the common options
 * schema) declares, then validated. With a schema, options it does not declare are refused,
 * unless it is a `z.looseObject`; without one they pass as given (upstream plugins read
 * arbitrary keys). Errors name the plugin, each bad option, its value and where it came from.
 */
export function pluginOptions(pluginName: string, schema: z.ZodType | undefined, layers: OptionLayers): Record<string, unknown> {
  const declared = declaredShape(pluginName, schema);
  const common = CommonOptionsSchema.shape as Shape;
  const merged = mergeLayers(pluginName, layers);
  const problems: string[] = [];
  const own: Record<string, unknown> = {};
  const commonInput: Record<string, unknown> = {};
  const undeclared: Record<string, unknown> = {};

  for (const [key, given] of merged) {
    const target = declared?.shape[key] ? own : key in common ? commonInput : declared?.loose ? own : declared ? undefined : undeclared;
    if (!target) {
      const names = Object.keys(declared!.shape);
      problems.push(
        `unknown option ${describe(key, given)}; ${pluginName} takes ${names.length ? names.join(', ') : 'no options of its own'}, and every plugin takes ${Object.keys(common).join(', ')}`,
      );
      continue;
    }
    const fieldSchema = declared?.shape[key] ?? common[key];
    try {
      target[key] = fieldSchema ? coerceOption(given.value, fieldSchema) : given.value;
    } catch (err) {
      if (!(err instanceof OptionValueError)) throw err;
      problems.push(`${describe(key, given)}: ${err.message}`);
    }
  }
  if (problems.length === 0) {
    const parsedOwn = schema ? schema.safeParse(own) : undefined;
    const parsedCommon = CommonOptionsSchema.safeParse(commonInput);
    for (const result of [parsedOwn, parsedCommon]) {
      for (const issue of result?.error?.issues ?? []) {
        const [key, ...rest] = issue.path.map(String);
        if (key === undefined) problems.push(`(all options): ${issue.message}`);
        else problems.push(`${describe(key, merged.get(key))}${rest.length ? ` at ${rest.join('.')}` : ''}: ${issue.message}`);
      }
    }
    if (problems.length === 0) {
      return { ...undeclared, ...parsedCommon.data, ...(parsedOwn?.data as Record<string, unknown> | undefined) };
    }
  }
  throw new StoqPluginException(`Plugin "${pluginName}" has invalid options: ${problems.join('; ')}`);
}
