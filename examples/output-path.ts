import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where an example run from the command line writes: the path given there, else `name` in a
 * new temporary folder. Never the current directory, which is often a repository.
 */
export function outputPath(given: string | undefined, name: string): string {
  return given ? resolve(given) : join(mkdtempSync(join(tmpdir(), 'rxstoq-example-')), name);
}
