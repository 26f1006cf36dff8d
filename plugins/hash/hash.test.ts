import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq } from 'rxstoq';

/** The digest coreutils' `<tool>` prints for `path`. */
const coreutils = (tool: string, path: string) => execFileSync(tool, ['--', path]).toString().split(/\s/)[0];

describe('hash plugin', () => {
  let stoq: Stoq;
  let dir: string;
  beforeAll(async () => {
    stoq = new Stoq({ alwaysDispatch: ['hash'], logLevel: 'silent' });
    await stoq.ready();
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-hash-'));
  });
  afterAll(async () => {
    await stoq.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const hashesOf = async (content: Uint8Array) => {
    const response = await stoq.scan(content);
    expect(response.errors).toEqual([]);
    return response.results[0]!.workers['hash'] as Record<string, string>;
  };

  it('gives upstream’s test vector, keyed sha256, md5, sha1 in that order', async () => {
    const hashes = await hashesOf(Buffer.from('This is a payload to hash'));
    expect(Object.keys(hashes)).toEqual(['sha256', 'md5', 'sha1']);
    expect(hashes).toEqual({
      sha256: '2fa284e62b11fea1226b35cdd726a7a56090853ed135240665ceb3939f631af7',
      md5: 'cfe671457bc475ef2f51cf12b1457475',
      sha1: 'f610f70b1464d97f7897fefd6420ffc904df5e4f',
    });
  });

  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['a block edge', 64],
    ['binary noise', 100_003],
    ['a megabyte', 1 << 20],
  ])('agrees with md5sum, sha1sum and sha256sum on %s', async (_what, size) => {
    const content = Buffer.alloc(size);
    let x = size * 2654435761 + 1;
    for (let i = 0; i < size; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      content[i] = x >>> 24;
    }
    const path = join(dir, `sample-${size}`);
    writeFileSync(path, content);
    expect(await hashesOf(content)).toEqual({
      sha256: coreutils('sha256sum', path),
      md5: coreutils('md5sum', path),
      sha1: coreutils('sha1sum', path),
    });
  });
});
