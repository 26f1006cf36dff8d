/**
 * Option values from the command line and the environment are strings; the plugin's schema
 * says what each option is, so the string is turned into that type, and into nothing else
 * (`"0123"` for a string option stays `"0123"`). Values that already have a type (YAML,
 * `pluginOpts`) are left alone, except numbers and booleans given to a string option.
 */

/** What an option's schema accepts, as far as turning a string into it goes. */
type Target = { kind: 'string' | 'number' | 'boolean' | 'json' | 'as-is' } | { kind: 'list'; element: Target };

/** The minimum of zod 4's schema definitions read here (`schema._zod.def`). */
interface SchemaDef {
  type: string;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  options?: unknown[];
  values?: unknown[];
  entries?: Record<string, unknown>;
  getter?: () => unknown;
}

const AS_IS: Target = { kind: 'as-is' };
/** Deeper than any real option schema; stops a self-referencing lazy schema. */
const MAX_DEPTH = 32;

/** Thrown with the reason only; the caller adds plugin, option, value and source. */
export class OptionValueError extends Error {}

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

function scalarTarget(values: unknown[]): Target {
  for (const kind of ['string', 'number', 'boolean'] as const) {
    if (values.length > 0 && values.every((v) => typeof v === kind)) return { kind };
  }
  return AS_IS;
}

/** What `schema` takes: wrappers (optional, default, ...) and pipes are looked through to their input. */
function targetOf(schema: unknown, depth = 0): Target {
  const def = defOf(schema);
  if (!def || depth > MAX_DEPTH) return AS_IS;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return targetOf(def.innerType, depth + 1);
    case 'lazy':
      return targetOf(def.getter?.(), depth + 1);
    case 'pipe':
      // A preprocess step (a transform first) takes raw values itself.
      return defOf(def.in)?.type === 'transform' ? AS_IS : targetOf(def.in, depth + 1);
    case 'string':
    case 'template_literal':
      return { kind: 'string' };
    case 'number':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array':
      return { kind: 'list', element: targetOf(def.element, depth + 1) };
    case 'object':
    case 'record':
      return { kind: 'json' };
    case 'enum':
      return scalarTarget(Object.values(def.entries ?? {}));
    case 'literal':
      return scalarTarget(def.values ?? []);
    case 'union': {
      // One kind among the members (literals 'a' | 'b'): that kind. Mixed: the schema decides.
      const targets = (def.options ?? []).map((o) => targetOf(o, depth + 1));
      const kinds = new Set(targets.map((t) => t.kind));
      return kinds.size === 1 && targets[0]!.kind !== 'list' ? targets[0]! : AS_IS;
    }
    default:
      return AS_IS;
  }
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);
const DECIMAL = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function toNumber(text: string): number {
  const t = text.trim();
  if (!DECIMAL.test(t)) throw new OptionValueError('expected a number');
  return Number(t);
}

/** `true/false`, `yes/no`, `on/off`, `1/0`, any case. */
export function readBoolean(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  throw new OptionValueError('expected a boolean (true/false, yes/no, on/off, 1/0)');
}

/** `[...]` is JSON; anything else is comma-separated (blank entries dropped), upstream's form. */
export function readList(text: string): unknown[] {
  const t = text.trim();
  if (!t.startsWith('[')) {
    return t
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch (err) {
    throw new OptionValueError(`expected a list: "a,b,c" or a JSON array, and this JSON does not parse (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new OptionValueError('expected a list: "a,b,c" or a JSON array');
  return parsed;
}

function toJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new OptionValueError(`expected JSON (${(err as Error).message})`);
  }
}

function coerce(value: unknown, target: Target): unknown {
  switch (target.kind) {
    case 'string':
      return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    case 'number':
      return typeof value === 'string' ? toNumber(value) : value;
    case 'boolean':
      return typeof value === 'string' ? readBoolean(value) : value;
    case 'json':
      return typeof value === 'string' ? toJson(value) : value;
    case 'list': {
      const list = typeof value === 'string' ? readList(value) : value;
      if (!Array.isArray(list)) return list;
      return list.map((item, i) => {
        try {
          return coerce(item, target.element);
        } catch (err) {
          throw new OptionValueError(`item ${i + 1} (${JSON.stringify(item)}): ${(err as Error).message}`);
        }
      });
    }
    case 'as-is':
      return value;
  }
}

/**
 * `value` as the type `schema` (a zod 4 schema) declares; throws `OptionValueError` naming
 * the expected type when a string cannot be read as it. The schema itself validates afterwards.
 */
export function coerceOption(value: unknown, schema: unknown): unknown {
  return coerce(value, targetOf(schema));
}
