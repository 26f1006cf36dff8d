import { CliError } from './cli-error.js';

/**
 * A request-metadata value with its natural type: true/false (any case), numbers, JSON arrays
 * and objects; everything else stays a string (upstream only converted true/false, UD-28).
 * Plugin options are not guessed like this: their schemas type them.
 */
function typedValue(raw: string): unknown {
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if ((raw.startsWith('[') && raw.endsWith(']')) || (raw.startsWith('{') && raw.endsWith('}'))) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

/**
 * `plugin:option=value ...` → {plugin: {option: "value"}}; repeats for one plugin merge. Values
 * stay strings: the plugin's option schema types them when it loads (`passwords=0123` is the
 * string "0123" for a string option, the number 123 for a number option).
 */
export function parsePluginOpts(items: string[] = []): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const item of items) {
    const colon = item.indexOf(':');
    const eq = item.indexOf('=', colon + 1);
    if (colon <= 0 || eq < 0 || eq === colon + 1) {
      throw new CliError(`Failed parsing plugin option "${item}": expected plugin:option=value`);
    }
    const plugin = item.slice(0, colon).trim();
    const option = item.slice(colon + 1, eq).trim();
    (out[plugin] ??= {})[option] = item.slice(eq + 1);
  }
  return out;
}

/** `key=value ...` → {key: value}. */
export function parseKeyValues(items: string[] = [], what = 'request metadata option'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`Failed parsing ${what} "${item}": expected key=value`);
    out[item.slice(0, eq).trim()] = typedValue(item.slice(eq + 1));
  }
  return out;
}

/** Variadic list flags also accept commas: `-a hash,exif` = `-a hash exif`. */
export function splitNames(items: string[] | undefined): string[] | undefined {
  if (items === undefined) return undefined;
  return items
    .flatMap((i) => i.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

export function positiveInt(raw: string, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${flag} expects a whole number, got "${raw}"`);
  return n;
}
