import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Payload, Stoq, type WorkerResponse } from 'rxstoq';
import { buildExeAndDll } from '../../test/support/pe-samples.js';

// What upstream's pecarve did with pefile: every MZ hit that pefile parses, trimmed by trim().
const PEFILE_CARVE = `
import json, re, sys, pefile
data = open(sys.argv[1], 'rb').read()
found = []
for m in re.finditer(rb'MZ', data):
    if m.start() == 0:
        continue
    try:
        pe = pefile.PE(data=data[m.start():], fast_load=True)
    except pefile.PEFormatError:
        continue
    found.append({'offset': m.start(), 'size': len(pe.trim())})
print(json.dumps(found))
`;

interface Worker {
  scan(p: Payload, r: unknown, c: unknown): WorkerResponse | Promise<WorkerResponse>;
}

describe('pecarve', () => {
  let dir: string;
  let samples: { exe64: string; dll64: string };
  let stoq: Stoq;
  let worker: Worker;
  const scan = async (data: Buffer) => worker.scan(new Payload(data), null, { signal: new AbortController().signal });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxstoq-pecarve-test-'));
    samples = buildExeAndDll(dir);
    stoq = new Stoq({ logLevel: 'silent' });
    worker = (await stoq.loadPlugin('pecarve', 'worker')) as unknown as Worker;
  }, 120_000);

  afterAll(async () => {
    await stoq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds two PEs embedded in random bytes at the offsets and trimmed sizes pefile gives', async () => {
    const exe = readFileSync(samples.exe64);
    const dll = readFileSync(samples.dll64);
    // Random bytes with MZ sprinkled in, so candidates that do not parse are tried too.
    const noise = (n: number) => {
      const b = randomBytes(n);
      for (let i = 0; i + 2 < n; i += 997) b.write('MZ', i, 'latin1');
      return b;
    };
    const blob = Buffer.concat([noise(5000), exe, noise(3333), dll, noise(4000)]);
    const file = join(dir, 'blob.bin');
    writeFileSync(file, blob);
    const reference = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PEFILE_CARVE, file], { encoding: 'utf8' }));

    const r = await scan(blob);
    expect(r.errors).toEqual([]);
    expect(r.results).toEqual({ carved: reference });
    expect(reference.map((x: { offset: number }) => x.offset)).toEqual([5000, 5000 + exe.length + 3333]);
    // Trimmed to the images themselves: the noise after each is not part of it.
    expect(Buffer.from(r.extracted[0]!.content)).toEqual(exe);
    expect(Buffer.from(r.extracted[1]!.content)).toEqual(dll);
    expect(r.extracted.map((x) => x.payload_meta.extra_data['offset'])).toEqual([5000, 5000 + exe.length + 3333]);
  });

  it('leaves a PE at offset 0 to peinfo, and reports nothing for data without an embedded PE', async () => {
    expect((await scan(readFileSync(samples.exe64))).extracted).toEqual([]);
    const none = await scan(Buffer.from('MZ'.repeat(5000)));
    expect(none.results).toEqual({});
    expect(none.extracted).toEqual([]);
  });

  it('stops at max_candidates and max_carved, saying so', async () => {
    const limited = new Stoq({ logLevel: 'silent', pluginOpts: { pecarve: { max_candidates: 10, max_carved: 1 } } });
    const w = (await limited.loadPlugin('pecarve', 'worker')) as unknown as Worker;
    const many = await w.scan(new Payload(Buffer.from('xMZ'.repeat(100))), null, {});
    expect(many.extracted).toEqual([]);
    expect(many.errors.map((e) => (typeof e === 'string' ? e : e.error))).toEqual([
      'pecarve: more than 10 MZ candidates (max_candidates); the rest of the payload is not searched',
    ]);
    await limited.close();
    const one = new Stoq({ logLevel: 'silent', pluginOpts: { pecarve: { max_carved: 1 } } });
    const w1 = (await one.loadPlugin('pecarve', 'worker')) as unknown as Worker;
    const exe = readFileSync(samples.exe64);
    const two = await w1.scan(new Payload(Buffer.concat([Buffer.from('xx'), exe, exe])), null, {});
    expect(two.extracted).toHaveLength(1);
    expect(two.errors.map((e) => (typeof e === 'string' ? e : e.error))).toEqual([
      'pecarve: more than 1 embedded PEs (max_carved); the rest are not extracted',
    ]);
    await one.close();
  });

  it('is where the bundled yara dispatcher routes a payload with a PE inside, and the carved PE goes on to peinfo', async () => {
    const routed = new Stoq({ dispatchers: ['yara'], logLevel: 'silent' });
    try {
      const exe = readFileSync(samples.exe64);
      const r = await routed.scan(Buffer.concat([randomBytes(3000), exe]));
      expect(r.results[0]!.plugins_run.workers.flat()).toContain('pecarve');
      const carved = r.results.find((x) => x.extracted_by.includes('pecarve'))!;
      expect(carved.size).toBe(exe.length);
      expect(carved.plugins_run.workers.flat()).toContain('peinfo');
    } finally {
      await routed.close();
    }
  });
});
