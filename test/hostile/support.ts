import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const schema = JSON.parse(readFileSync(new URL('../../schema/stoq-response.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validateSchema = ajv.compile(schema);

/** Schema errors of a response as it goes over the wire (empty when it is valid). */
export function schemaErrors(response: unknown): string[] {
  const json = JSON.parse(JSON.stringify(response));
  return validateSchema(json) ? [] : (validateSchema.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Every path under `dir` (as raw bytes, so odd names compare exactly), except the `skip` subtrees. */
export function tree(dir: string, skip: string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: Buffer) => {
    for (const name of readdirSync(d, { encoding: 'buffer' })) {
      const path = Buffer.concat([d, Buffer.from('/'), name]);
      if (skip.some((s) => path.equals(Buffer.from(s)))) continue;
      out.push(path.toString('latin1'));
      if (lstatSync(path).isDirectory()) walk(path);
    }
  };
  walk(Buffer.from(dir));
  return out.sort();
}

/** Places a traversal member (../../x, /etc/x) would land if anything wrote it to disk. */
export function escapeTargets(root: string): string[] {
  return ['/etc/x', '/x', join(root, '..', 'x'), join(root, '..', '..', 'x'), join(process.cwd(), 'x'), join(process.cwd(), '..', 'x')];
}

export const existing = (paths: string[]) => paths.filter((p) => existsSync(p));

/** Peak resident memory while `fn` runs, sampled every 20 ms. */
export async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const value = await fn();
    return { value, peak: Math.max(peak, process.memoryUsage().rss) };
  } finally {
    clearInterval(timer);
  }
}

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
