import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Manifest files are `<anything>.stoq.yaml` (or `.stoq.yml`) next to the plugin's module. */
export const MANIFEST_SUFFIXES = ['.stoq.yaml', '.stoq.yml'];

export const ManifestSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "-" and "." only'),
    module: z.string().trim().min(1),
    version: z.union([z.string(), z.number()]).transform(String).default(''),
    author: z.string().default(''),
    website: z.string().default(''),
    description: z.string().default(''),
    min_stoq_version: z.union([z.string(), z.number()]).transform(String).optional(),
    required_workers: z.array(z.string()).default([]),
    /**
     * `thread`: the plugin's worker/dispatcher calls run in worker threads that are terminated
     * when a call times out — for CPU-bound plugins that cannot stop on an AbortSignal.
     */
    isolation: z.enum(['none', 'thread']).default('none'),
    /**
     * Option values below config sections, env and pluginOpts (upstream's manifest defaults). A
     * plugin with an `optionsSchema` keeps its defaults there instead: one place, typed.
     */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type Manifest = z.infer<typeof ManifestSchema>;

/** Parse and validate one manifest; throws an Error whose message names file, key and problem. */
export function readManifest(file: string): Manifest {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: ${formatZodIssues(parsed.error)}`);
  return parsed.data;
}

export function formatZodIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('; ');
}
