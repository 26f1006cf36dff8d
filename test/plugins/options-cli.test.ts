/**
 * `--plugin-opts` and `STOQ_<PLUGIN>__<OPTION>` through the built CLI: values take the type the
 * plugin's schema declares, and a bad one is a usage error naming plugin, option, value and source.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, stoq } from '../helpers/cli.js';
import { sevenZip } from '../support/samples.js';
import { tempDir } from '../helpers/tmp.js';

describe('plugin options on the command line', () => {
  it('keeps decompress:passwords=0123 the password "0123" and opens a zip locked with it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secret.txt'), 'behind 0123\n');
    sevenZip(['a', '-tzip', '-p0123', 'locked.zip', 'secret.txt'], dir);
    const r = stoq(['scan', join(dir, 'locked.zip'), '-s', 'decompress', '--plugin-opts', 'decompress:passwords=0123']);
    expect(r.status, r.stderr).toBe(0);
    const response = JSON.parse(r.stdout) as { errors: unknown[]; results: Array<{ payload_meta: { extra_data: { filename?: string } } }> };
    expect(response.errors).toEqual([]);
    expect(response.results.map((p) => p.payload_meta.extra_data.filename)).toEqual(['locked.zip', 'secret.txt']);
  });

  it('refuses exif:timeout=abc as a usage error that names plugin, option, value and source', () => {
    const r = stoq(['scan', '-', '-a', 'exif', '--plugin-opts', 'exif:timeout=abc'], { input: 'x' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('stoq: error: Plugin "exif" has invalid options: timeout = "abc" (from pluginOpts / --plugin-opts): expected a number');
  });

  it('names the environment variable a bad value came from', () => {
    const r = stoq(['scan', '-', '-a', 'hash'], { input: 'x', env: cleanEnv({ STOQ_HASH__USE_POOL: 'maybe' }) });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('use_pool = "maybe" (from environment variable STOQ_HASH__USE_POOL): expected a boolean');
  });
});
