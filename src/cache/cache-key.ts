import { createHash } from 'node:crypto';
import type { BasePlugin } from '../plugin/base-plugin.js';
import type { Payload } from '../model/payload.js';
import { CommonOptionsSchema } from '../plugin/option-schemas.js';

/** The options every plugin takes say how it is scheduled, not what it answers: left out of the key. */
const SCHEDULING_OPTIONS = new Set(Object.keys(CommonOptionsSchema.shape));

const pluginParts = new WeakMap<BasePlugin, string>();

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** What a plugin's answers depend on besides the payload: name, version and effective options. */
function pluginPart(plugin: BasePlugin): string {
  let part = pluginParts.get(plugin);
  if (part === undefined) {
    const options = Object.fromEntries(Object.entries(plugin.options).filter(([k]) => !SCHEDULING_OPTIONS.has(k)));
    part = `${plugin.plugin_name}\0${plugin.version}\0${stableJson(options)}`;
    pluginParts.set(plugin, part);
  }
  return part;
}

/**
 * The cache key of one worker call: the payload's sha256 and the metadata the plugin reads (its
 * `cacheMetaKeys`; all of it when it does not say), the plugin's name, version and options, and
 * its `cacheVariant()` (the yara plugin's rule set). A sha256 of all that, in hex.
 */
export function resultCacheKey(plugin: BasePlugin, payload: Payload): string {
  const meta = payload.payload_meta;
  const keys = declared(plugin).cacheMetaKeys;
  const metaPart = keys === undefined ? { extra_data: meta.extra_data, dispatch_to: meta.dispatch_to } : keys.map((k) => meta.extra_data[k] ?? null);
  const variant = plugin.cacheVariant?.() ?? '';
  return createHash('sha256')
    .update(pluginPart(plugin))
    .update('\0')
    .update(variant)
    .update('\0')
    .update(payload.sha256)
    .update('\0')
    .update(stableJson(metaPart))
    .digest('hex');
}

/** Whether a plugin's answers may be cached: its class says so (`static cacheable`) and its `cache` option is not false. */
export function isCacheable(plugin: BasePlugin): boolean {
  return declared(plugin).cacheable !== false && plugin.options['cache'] !== false;
}

/** What the plugin's class declares; an isolated plugin's stand-in answers for the class it runs in threads. */
function declared(plugin: BasePlugin): { cacheable?: boolean; cacheMetaKeys?: readonly string[] } {
  return (plugin as { pluginClass?: object }).pluginClass ?? plugin.constructor;
}
