/**
 * One source for a bundled plugin's option defaults: its schema. The manifest carries none, and
 * the README's options table lists exactly the options the schema declares (plus any of the
 * common ones it wants to explain), each with the schema's default.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { readManifest } from 'rxstoq';
import { CommonOptionsSchema } from '../../src/plugin/option-schemas.js';
import { pluginClasses } from '../../src/plugin/plugin-manager.js';
import { ROOT } from '../helpers/cli.js';

const PLUGINS = join(ROOT, 'plugins');
const names = readdirSync(PLUGINS).filter((name) => existsSync(join(PLUGINS, name, `${name}.stoq.yaml`)));

interface Row {
  names: string[];
  /** The "default" cell, as written. */
  default: string;
}

/** The rows of the README's "## Options" table; [] when the section says "None.". */
function documentedOptions(readme: string, plugin: string): Row[] {
  const section = /^## Options\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  if (section === undefined) throw new Error(`plugins/${plugin}/README.md has no "## Options" section`);
  if (section.trim().startsWith('None.')) return [];
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line.split(' | ').map((c) => c.replace(/^\| /, '').trim());
      return { names: [...cells[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), default: cells[1]! };
    });
}

/** What the schema fills in when the option is not given (undefined: it stays unset). */
function schemaDefault(field: z.ZodType): unknown {
  const parsed = field.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

/** A cell that starts with a backticked value states that value as the default. */
function statedDefault(cell: string): { literal: string } | undefined {
  const m = /^`([^`]*)`/.exec(cell);
  return m ? { literal: m[1]! } : undefined;
}

function sameValue(literal: string, value: unknown): boolean {
  if (typeof value === 'string' && literal === value) return true;
  try {
    return JSON.stringify(parseYaml(literal)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

describe.each(names)('the %s plugin’s options', (name) => {
  const dir = join(PLUGINS, name);
  const manifest = readManifest(join(dir, `${name}.stoq.yaml`));
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');

  async function schemaShape(): Promise<Record<string, z.ZodType>> {
    const mod = (await import(join(dir, `${manifest.module}.ts`))) as Record<string, unknown>;
    const [cls] = pluginClasses(mod);
    const schema = cls?.optionsSchema as z.ZodObject | undefined;
    return (schema?.shape ?? {}) as Record<string, z.ZodType>;
  }

  it('has its defaults in its schema only, not in its manifest', () => {
    expect(manifest.options).toEqual({});
  });

  it('are the ones its README documents, with the schema’s defaults', async () => {
    const own = await schemaShape();
    const common = CommonOptionsSchema.shape as Record<string, z.ZodType>;
    const rows = documentedOptions(readme, name);
    const documented = rows.flatMap((r) => r.names);
    expect(
      documented.filter((o) => !(o in own) && !(o in common)),
      'documented but not in the schema',
    ).toEqual([]);
    expect(
      Object.keys(own).filter((o) => !documented.includes(o)),
      'in the schema but not documented',
    ).toEqual([]);
    for (const row of rows) {
      for (const option of row.names) {
        const value = schemaDefault(own[option] ?? common[option]!);
        const stated = statedDefault(row.default);
        if (value === undefined) {
          expect(stated, `${option}: the schema has no default, so the README must say what unset means in words, not \`${stated?.literal}\``).toBeUndefined();
        } else {
          expect(stated, `${option}: the README must state the default ${JSON.stringify(value)} as a \`value\``).toBeDefined();
          expect(sameValue(stated!.literal, value), `${option}: README says \`${stated!.literal}\`, the schema ${JSON.stringify(value)}`).toBe(true);
        }
      }
    }
  });
});
