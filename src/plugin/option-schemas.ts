import { z } from 'zod';

/**
 * zod building blocks for plugin option schemas. Options arrive typed from YAML and pluginOpts,
 * but as strings from the environment and old INI-style configs; these accept both.
 */

/** A boolean that also accepts 1/0, yes/no, true/false, on/off (any case) as strings. */
export const booleanOption = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  return v;
}, z.boolean());

/** A list of strings that also accepts upstream's comma-separated string form. */
export const listOption = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string()),
);

/** A number that also accepts its decimal string form. */
export const numberOption = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v), z.number());
