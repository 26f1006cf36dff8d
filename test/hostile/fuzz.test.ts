import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PayloadMeta, Stoq } from 'rxstoq';
import { seed7z, seedGzip, seedTar, seedZip } from './corpus.js';
import { seedPe } from '../support/pe-samples.js';
import { SEED_CERTIFICATE_PEM, SEED_IOC_TEXT, seedCertificateDer } from '../support/certificate-samples.js';
import { jpegWithExif, png } from './images.js';
import { buildElf } from '../../plugins/elf/fixtures/elf-builder.js';
import { buildLnk, trackerBlock, volumeItem } from '../../plugins/lnk/fixtures/lnk-builder.js';
import { mutate, mutation } from './mutations.js';
import { escapeTargets, existing, schemaErrors, tree } from './support.js';
import { htmlFuzzSeed } from '../../plugins/html/fixtures/pages.js';
import { javascriptFuzzSeed } from '../../plugins/javascript/fixtures/sources.js';
import { sampleMsg } from '../../plugins/msg/fixtures/msg-builder.js';
import { oleFuzzSeed } from '../../plugins/ole/fixtures/ole-samples.js';
import { ooxmlFuzzSeed } from '../../plugins/ooxml/fixtures/ooxml-builder.js';
import { fuzzSeed as pdfFuzzSeed } from '../../plugins/pdf/fixtures/samples.js';
import { rtfFuzzSeed } from '../../plugins/rtf/fixtures/rtf-builder.js';
import { buildSampleEml } from '../../plugins/smtp/fixtures/eml-builder.js';
import { fuzzSeed as vbaFuzzSeed } from '../../plugins/vba/fixtures/samples.js';

/**
 * Property-based fuzzing of the whole pipeline: damaged archives and images go through
 * decompress or exif (started directly, since damage often breaks the magic numbers the YARA
 * dispatcher routes by), plus the YARA dispatcher and worker, hash and filedir. For every input
 * the scan settles before the plugins' timeouts could all have passed, the response is valid
 * against the shipped JSON Schema, and nothing is written outside the temporary folders.
 *
 * CI runs a fixed seed and a bounded number of runs; `scripts/fuzz.sh` runs many more
 * (FUZZ_RUNS, FUZZ_SEED).
 */

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 80);
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261128);
// Per-call budgets, so a pathological input costs seconds, not minutes.
const PLUGIN_TIMEOUT = 10;
// A scan is a few plugin calls deep; past this it is hung, not slow.
const SETTLE_WITHIN_MS = 4 * PLUGIN_TIMEOUT * 1000;

const peSeed = seedPe();
const seeds = [
  { name: 'seed.zip', bytes: seedZip(), start: 'decompress' },
  { name: 'seed.7z', bytes: seed7z(), start: 'decompress' },
  { name: 'seed.gz', bytes: seedGzip(), start: 'decompress' },
  { name: 'seed.tar', bytes: seedTar(), start: 'decompress' },
  { name: 'seed.jpg', bytes: jpegWithExif(), start: 'exif' },
  { name: 'seed.png', bytes: png(), start: 'exif' },
  { name: 'seed.exe', bytes: peSeed, start: 'peinfo' },
  { name: 'seed-embedded-pe.bin', bytes: Buffer.concat([Buffer.alloc(777, 0x41), peSeed]), start: 'pecarve' },
  { name: 'seed.der', bytes: seedCertificateDer(), start: 'x509' },
  { name: 'seed.pem', bytes: Buffer.from(SEED_CERTIFICATE_PEM), start: 'x509' },
  { name: 'seed-iocs.txt', bytes: Buffer.from(SEED_IOC_TEXT), start: 'iocextract' },
  {
    name: 'seed.so',
    bytes: buildElf({
      is64: true,
      littleEndian: true,
      machine: 62,
      needed: ['libc.so.6'],
      soname: 'libseed.so',
      symbols: [{ name: 'f', value: 0x10400n, size: 8n, info: 0x12, other: 0, shndx: 'text' }],
    }),
    start: 'elf',
  },
  {
    name: 'seed.lnk',
    bytes: buildLnk({
      idList: [volumeItem('C:\\')],
      linkInfo: { local: { driveType: 3, serial: 1, label: 'OS', basePath: 'C:\\a.exe' } },
      arguments: '/x',
      blocks: [trackerBlock('host', '9c2b1a30-0e4f-11ee-8a1b-0800276cf0e1', '9c2b1a30-0e4f-11ee-8a1b-0800276cf0e1')],
    }),
    start: 'lnk',
  },
  { name: 'seed.doc', bytes: oleFuzzSeed(), start: 'ole' },
  { name: 'vbaProject.bin', bytes: vbaFuzzSeed(), start: 'vba' },
  { name: 'seed.docx', bytes: ooxmlFuzzSeed(), start: 'ooxml' },
  { name: 'seed.pdf', bytes: pdfFuzzSeed(), start: 'pdf' },
  { name: 'seed.rtf', bytes: rtfFuzzSeed(), start: 'rtf' },
  { name: 'seed.eml', bytes: buildSampleEml(), start: 'smtp' },
  { name: 'seed.msg', bytes: sampleMsg(), start: 'msg' },
  { name: 'seed.html', bytes: htmlFuzzSeed(), start: 'html' },
  { name: 'seed.js', bytes: javascriptFuzzSeed(), start: 'javascript' },
];

describe('fuzzing the pipeline with damaged archives, images, executables, documents and emails', () => {
  let root: string;
  let previousCwd: string;
  let stoq: Stoq;
  let before: string[];
  let escapedBefore: string[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'rxstoq-fuzz-'));
    mkdirSync(join(root, 'cwd'));
    previousCwd = process.cwd();
    process.chdir(join(root, 'cwd'));
    before = tree(root, [join(root, 'results'), join(root, 'archive')]);
    escapedBefore = existing(escapeTargets(root));
    stoq = new Stoq({
      baseDir: root,
      dispatchers: ['yara'],
      alwaysDispatch: ['hash', 'yara'],
      destArchivers: ['filedir'],
      connectors: ['filedir'],
      pluginTimeout: PLUGIN_TIMEOUT,
      pluginOpts: {
        filedir: { results_dir: join(root, 'results'), archive_dir: join(root, 'archive') },
        decompress: { timeout: PLUGIN_TIMEOUT },
        yara: { timeout: PLUGIN_TIMEOUT },
      },
      logLevel: 'silent',
    });
    await stoq.ready();
  });

  afterAll(async () => {
    await stoq?.close();
    process.chdir(previousCwd);
    rmSync(root, { recursive: true, force: true });
  });

  it(
    `${RUNS} mutated inputs (seed ${SEED}): every scan settles, validates, and writes only where it should`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), async (which, mutations) => {
          const seed = seeds[which]!;
          const content = mutate(seed.bytes, mutations);
          let timer: NodeJS.Timeout | undefined;
          const hung = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`scan of a mutated ${seed.name} did not settle within ${SETTLE_WITHIN_MS} ms`)), SETTLE_WITHIN_MS);
          });
          try {
            const response = await Promise.race([
              stoq.scan(content, { payloadMeta: new PayloadMeta({ extra_data: { filename: seed.name } }), addStartDispatch: [seed.start] }),
              hung,
            ]);
            expect(schemaErrors(response)).toEqual([]);
            expect(response.results[0]!.size).toBe(content.byteLength);
            expect(response.results[0]!.workers['hash']).toBeDefined();
            expect(response.results[0]!.plugins_run.workers).toContain(seed.start);
            for (const e of response.errors) expect(e.error.length).toBeGreaterThan(0);
          } finally {
            clearTimeout(timer);
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      expect(tree(root, [join(root, 'results'), join(root, 'archive')])).toEqual(before);
      expect(existing(escapeTargets(root))).toEqual(escapedBefore);
    },
    Math.max(90_000, RUNS * 5_000),
  );
});
