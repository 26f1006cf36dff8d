/**
 * The differential test of docs/architecture.md's recipe: the same plugins and inputs through
 * `Stoq.run` and through the pipeline the hand-built-run example composes from `rxstoq/operators`
 * must save the same responses (ids and time aside) and acknowledge every item exactly once.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, Subject, toArray, type MonoTypeOperatorFunction } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  DEFAULTS,
  loadConfig,
  onItemDone,
  Payload,
  PluginManager,
  pullFrom,
  Stoq,
  type Archiver,
  type BasePlugin,
  type ConfigFile,
  type Connector,
  type Decorator,
  type Dispatcher,
  type IngestContext,
  type ItemOutcome,
  type Provider,
  type Role,
} from 'rxstoq';
import { consume, createEngine, Credits, type Engine, type ItemReceipt, type ScannedItem } from 'rxstoq/operators';
import { handBuiltRun, keepResponses, rootMimetype } from '../../examples/hand-built-run.js';
import { writeBatches } from '../../examples/redis-batch.js';
import { DATA_DIR, PLUGINS_DIR } from '../conformance/support.js';
import { tempDir } from '../helpers/tmp.js';
import { png, zip } from '../support/formats.js';
import { makePeHeader, pseudoRandom, xorWith } from '../support/samples.js';

const ACKED_DIR = fileURLToPath(new URL('../fixtures/hand-built-plugins', import.meta.url));

/** Plugins by role, as `Stoq`'s options name them; the acked_provider records every acknowledgement. */
interface Setup {
  configFile?: string;
  pluginDirList: string[];
  pluginOpts: (resultsDir: string) => Record<string, Record<string, unknown>>;
  providers: string[];
  sourceArchivers?: string[];
  destArchivers?: string[];
  dispatchers?: string[];
  decorators?: string[];
  connectors: string[];
  alwaysDispatch?: string[];
  /** Test knobs set on loaded plugin instances before the run (same in both pipelines). */
  knobs?: (load: (name: string) => Promise<BasePlugin>) => Promise<void>;
}

interface AckedProvider {
  emitted: string[];
  acks: Map<string, ItemOutcome[]>;
  beforeAck: ((key: string, outcome: ItemOutcome) => void | Promise<void>) | undefined;
}

/** One payload's result in a saved response: the fields these tests read. */
interface SavedResult {
  payload_id: string;
  extracted_by: string[];
  payload_meta: { extra_data: Record<string, unknown> };
  plugins_run: { workers: unknown[] };
  workers: Record<string, { mimetype?: unknown } | undefined>;
  archivers: Record<string, Record<string, unknown> | undefined>;
}

/** A response as JSON on disk. */
interface SavedResponse {
  results: SavedResult[];
  errors: unknown[];
  [field: string]: unknown;
}

interface Outcome {
  /** The JSON files the filedir connector saved, parsed. */
  saved: SavedResponse[];
  /** Items the run took (Stoq: summary.items; by hand: receipts). */
  items: number;
  acked: AckedProvider;
}

function readSaved(dir: string): SavedResponse[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as SavedResponse);
}

async function viaStoq(setup: Setup, resultsDir: string): Promise<Outcome> {
  const stoq = await Stoq.create({
    baseDir: tempDir(),
    configFile: setup.configFile,
    pluginDirList: setup.pluginDirList,
    pluginOpts: setup.pluginOpts(resultsDir),
    providers: setup.providers,
    sourceArchivers: setup.sourceArchivers,
    destArchivers: setup.destArchivers,
    dispatchers: setup.dispatchers,
    decorators: setup.decorators,
    connectors: setup.connectors,
    alwaysDispatch: setup.alwaysDispatch,
    logLevel: 'silent',
  });
  try {
    await setup.knobs?.((name) => stoq.loadPlugin(name));
    const summary = await stoq.run();
    return { saved: readSaved(resultsDir), items: summary.items, acked: (await stoq.loadPlugin('acked_provider')) as unknown as AckedProvider };
  } finally {
    await stoq.close();
  }
}

/**
 * The same configuration built by hand: a PluginManager, the plugins loaded by role, an engine
 * with the config file's settings, and the example's composition (`handBuiltRun`).
 */
async function byHand(
  setup: Setup,
  resultsDir: string,
  stage?: MonoTypeOperatorFunction<ScannedItem>,
  beforeRun?: (acked: AckedProvider) => void,
): Promise<Outcome & { receipts: ItemReceipt[] }> {
  const { core, ...sections } = setup.configFile ? loadConfig(setup.configFile, { mustExist: true }) : ({ core: {} } as ConfigFile);
  const log = createLogger({ level: 'silent' });
  const manager = new PluginManager({
    pluginDirList: setup.pluginDirList,
    pluginOpts: setup.pluginOpts(resultsDir),
    configSections: sections as Record<string, Record<string, unknown>>,
    log,
  });
  const load = async <T>(names: string[] | undefined, role: Role) => {
    const out: T[] = [];
    for (const name of names ?? []) out.push((await manager.loadPlugin(name, role)) as T);
    return out;
  };
  try {
    const providers = await load<Provider>(setup.providers, 'provider');
    const engine = createEngine({
      manager,
      log,
      maxRecursion: core.max_recursion,
      alwaysDispatch: setup.alwaysDispatch,
      sourceArchivers: await load<Archiver>(setup.sourceArchivers, 'archiver'),
      destArchivers: await load<Archiver>(setup.destArchivers, 'archiver'),
      connectors: await load<Connector>(setup.connectors, 'connector'),
      dispatchers: await load<Dispatcher>(setup.dispatchers, 'dispatcher'),
      decorators: await load<Decorator>(setup.decorators, 'decorator'),
    });
    await setup.knobs?.((name) => manager.loadPlugin(name));
    const acked = (await manager.loadPlugin('acked_provider')) as unknown as AckedProvider;
    beforeRun?.(acked);
    const concurrency = core.provider_consumers ?? DEFAULTS.providerConsumers;
    const credits = new Credits((core.max_queue ?? DEFAULTS.maxQueue) + concurrency);
    const receipts = await lastValueFrom(handBuiltRun(engine, providers, { concurrency, credits, stage }).pipe(toArray()));
    // Every credit came back: no item was lost between the provider and its acknowledgement.
    expect(credits.outstanding).toBe(0);
    return { saved: readSaved(resultsDir), items: receipts.length, acked, receipts };
  } finally {
    await manager.closePlugins();
  }
}

/**
 * A response with its ids and time taken out: payload ids become their place in `results`
 * (wherever they appear: payload_id, extracted_from, errors), the scan id and time constants.
 * Errors are sorted: they are recorded as they happen, so their order is timing.
 */
function normalise(response: SavedResponse): string {
  let json = JSON.stringify({ ...response, scan_id: 'SCAN', time: 'TIME' });
  response.results.forEach((r, i) => {
    json = json.replaceAll(r.payload_id, `payload-${i}`);
  });
  const parsed = JSON.parse(json) as SavedResponse;
  parsed.errors = (parsed.errors as unknown[])
    .map((e) => JSON.stringify(e))
    .sort()
    .map((e) => JSON.parse(e));
  return JSON.stringify(parsed);
}
const normaliseAll = (responses: SavedResponse[]) => responses.map(normalise).sort();

/** Each emitted item acknowledged exactly once; returns the outcomes by item key. */
function onceEach(acked: AckedProvider): Record<string, ItemOutcome> {
  expect([...acked.acks.keys()].sort()).toEqual([...acked.emitted].sort());
  const outcomes: Record<string, ItemOutcome> = {};
  for (const key of acked.emitted) {
    expect(acked.acks.get(key), `acknowledgements of ${key}`).toHaveLength(1);
    outcomes[key] = acked.acks.get(key)![0]!;
  }
  return outcomes;
}

const byFilename = (responses: SavedResponse[]) => new Map(responses.map((r) => [r.results[0]?.payload_meta.extra_data['filename'] as string, r]));

describe('hand-built pipeline vs Stoq.run', () => {
  it('the conformance fixture plugins: same responses, every item acknowledged once', async () => {
    const tmp = tempDir();
    const inbox = join(tmp, 'inbox');
    mkdirSync(inbox);
    writeFileSync(join(inbox, 'a.txt'), 'The quick brown fox');
    writeFileSync(join(inbox, 'b.bin'), pseudoRandom(300));
    const setup: Setup = {
      configFile: join(DATA_DIR, 'stoq.yaml'),
      pluginDirList: [PLUGINS_DIR, ACKED_DIR],
      pluginOpts: (resultsDir) => ({
        acked_provider: { source_dir: inbox, tasks: [{ simple_archiver: { task: 'from acked_provider' } }, { no_such_archiver: { task: 'lost' } }] },
        filedir: { results_dir: resultsDir },
      }),
      providers: ['acked_provider', 'simple_provider', 'request_provider'],
      sourceArchivers: ['simple_archiver'],
      destArchivers: ['simple_archiver'],
      dispatchers: ['simple_dispatcher', 'conditional_dispatcher'],
      decorators: ['simple_decorator'],
      connectors: ['filedir', 'dummy_connector'],
      alwaysDispatch: ['extract_payload'],
      knobs: async (load) => {
        // Fixed extracted content (the default is random bytes, which could never compare equal).
        ((await load('extract_payload')) as unknown as { EXTRACTED_PAYLOAD: string }).EXTRACTED_PAYLOAD = 'extracted by extract_payload';
        ((await load('simple_archiver')) as unknown as { PAYLOAD: string }).PAYLOAD = 'fetched by simple_archiver';
      },
    };
    const expected = await viaStoq(setup, join(tmp, 'stoq'));
    const actual = await byHand(setup, join(tmp, 'hand'));

    // acked_provider: 2 files + 2 tasks (one fails: no such archiver); simple_provider, request_provider: 1 each.
    expect(expected.items).toBe(6);
    expect(actual.items).toBe(6);
    expect(expected.saved).toHaveLength(5);
    expect(normaliseAll(actual.saved)).toEqual(normaliseAll(expected.saved));

    // The scenario exercised what it claims: dispatch, re-dispatch, extraction, archiving, decoration.
    const fox = byFilename(expected.saved).get('a.txt')!;
    expect(fox['decorators']).toEqual({ simple_decorator: { simple_decoration: 123 } });
    expect(fox.results[0]!.plugins_run.workers).toEqual(expect.arrayContaining(['dummy_worker', 'simple_worker', 'extract_payload']));
    expect(fox.results[0]!.archivers).toEqual({ simple_archiver: { file_save_id: 12345 } });
    expect(fox.results.length).toBeGreaterThan(1);

    const stoqAcks = onceEach(expected.acked);
    const handAcks = onceEach(actual.acked);
    expect(handAcks).toEqual(stoqAcks);
    expect(stoqAcks['file:a.txt']).toEqual({ ok: true });
    expect(stoqAcks['task:0']).toEqual({ ok: true });
    expect(stoqAcks['task:1']!.ok).toBe(false);
    expect(stoqAcks['task:1']!.error).toContain('no such source archiver is loaded');
    expect(actual.receipts.filter((r) => !r.ok)).toHaveLength(1);
  });

  describe('the bundled plugins', () => {
    // One set of inputs, one archive folder (its paths are in the responses) and one Stoq.run to
    // compare with: starting YARA, 7-Zip and ExifTool is most of a run's time.
    let tmp: string;
    let setup: Setup;
    let expected: Outcome;
    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), 'rxstoq-hand-built-'));
      setup = bundledSetup(tmp);
      expected = await viaStoq(setup, join(tmp, 'stoq'));
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    /** Files for two providers (acked_provider and filedir), and the runs' shared archive folder. */
    function bundledSetup(dir: string): Setup {
      const acked = join(dir, 'acked');
      const files = join(dir, 'files');
      mkdirSync(acked);
      mkdirSync(files);
      const base64 = Buffer.from('a line of text long enough to make base64 of more than sixty-four characters').toString('base64');
      writeFileSync(join(acked, 'notes.txt'), 'meeting notes: nothing to see here\n');
      writeFileSync(
        join(acked, 'bundle.zip'),
        zip([
          { name: 'inner.txt', data: 'inside the zip\n' },
          { name: 'image.png', data: png(3, 3) },
          { name: 'blob.b64', data: base64 },
        ]),
      );
      writeFileSync(join(acked, 'stub.bin'), xorWith(makePeHeader(), [0x42]));
      writeFileSync(join(acked, 'empty.dat'), '');
      writeFileSync(join(files, 'random.bin'), pseudoRandom(4096));
      writeFileSync(join(files, 'picture.png'), png(8, 8));
      return {
        pluginDirList: [ACKED_DIR],
        pluginOpts: (resultsDir) => ({
          acked_provider: { source_dir: acked },
          filedir: { source_dir: files, results_dir: resultsDir, archive_dir: join(dir, 'archive') },
        }),
        providers: ['acked_provider', 'filedir'],
        destArchivers: ['filedir'],
        dispatchers: ['yara'],
        connectors: ['filedir'],
        alwaysDispatch: ['hash', 'mimetype', 'entropy'],
      };
    }

    it('same responses (decompress, b64decode, xordecode, exif through the yara dispatcher), every item acknowledged once', async () => {
      const actual = await byHand(setup, join(tmp, 'hand'));

      expect(expected.items).toBe(6);
      expect(actual.items).toBe(6);
      expect(expected.saved).toHaveLength(6);
      expect(normaliseAll(actual.saved)).toEqual(normaliseAll(expected.saved));

      const saved = byFilename(expected.saved);
      const bundle = saved.get('bundle.zip')!;
      const extractedBy = bundle.results.flatMap((r) => r.extracted_by);
      expect(extractedBy).toEqual(expect.arrayContaining(['decompress', 'b64decode']));
      expect(saved.get('stub.bin')!.results.some((r) => r.extracted_by.includes('xordecode'))).toBe(true);
      expect(saved.get('picture.png')!.results[0]!.plugins_run.workers).toContain('exif');
      expect(saved.get('notes.txt')!.results[0]!.archivers['filedir']?.['path']).toMatch(/archive/);

      const stoqAcks = onceEach(expected.acked);
      expect(onceEach(actual.acked)).toEqual(stoqAcks);
      expect(Object.keys(stoqAcks).sort()).toEqual(['file:bundle.zip', 'file:empty.dat', 'file:notes.txt', 'file:stub.bin']);
      for (const outcome of Object.values(stoqAcks)) expect(outcome).toEqual({ ok: true });
    });

    it('a filter stage drops responses, never items: what it keeps equals Stoq’s responses for text files', async () => {
      const actual = await byHand(
        setup,
        join(tmp, 'hand-filtered'),
        keepResponses((r) => rootMimetype(r)?.startsWith('text/') ?? false),
      );
      const isText = (saved: SavedResponse) => String(saved.results[0]?.workers['mimetype']?.mimetype).startsWith('text/');

      expect(actual.saved.map((r) => r.results[0]?.payload_meta.extra_data['filename'])).toEqual(['notes.txt']);
      expect(normaliseAll(actual.saved)).toEqual(normaliseAll(expected.saved.filter(isText)));
      // All six items reached acknowledge; five with their responses dropped.
      expect(actual.receipts).toHaveLength(6);
      expect(actual.receipts.map((r) => r.responses).sort()).toEqual([0, 0, 0, 0, 0, 1]);
      for (const outcome of Object.values(onceEach(actual.acked))) expect(outcome).toEqual({ ok: true });
    });

    it('a bufferTime batch stage: each item is acknowledged once, and only after its batch was written', async () => {
      const batchFile = join(tmp, 'batches.jsonl');
      const batched = () =>
        readFileSync(batchFile, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as SavedResponse);
      const seenAtAck: string[] = [];
      const actual = await byHand(setup, join(tmp, 'hand-batched'), writeBatches(batchFile, { maxMs: 20, maxItems: 2 }), (acked) => {
        acked.beforeAck = (key) => {
          // The item's response is in the batch file by the time its provider hears of it.
          expect(batched().map((r) => r.results[0]?.payload_meta.extra_data['filename'])).toContain(key.slice('file:'.length));
          seenAtAck.push(key);
        };
      });
      expect(seenAtAck.sort()).toEqual(['file:bundle.zip', 'file:empty.dat', 'file:notes.txt', 'file:stub.bin']);
      for (const outcome of Object.values(onceEach(actual.acked))) expect(outcome).toEqual({ ok: true });
      expect(normaliseAll(batched())).toEqual(normaliseAll(expected.saved));
      expect(normaliseAll(actual.saved)).toEqual(normaliseAll(expected.saved));
    });
  });
});

describe('credits', () => {
  /** A pulled list of texts as a provider object (no plugin folder needed). */
  const listProvider = (name: string, texts: string[]) =>
    ({
      plugin_name: name,
      log: createLogger({ level: 'silent' }),
      ingest: (ctx: IngestContext) =>
        pullFrom(
          ctx,
          texts.map((t) => new Payload(t)),
        ),
    }) as unknown as Provider;

  // pullFrom takes a credit before asking its source for the next item; when the source had
  // none left, that credit was kept for good, so with one credit the other provider never read.
  it.each([
    ['consume', (engine: Engine, providers: Provider[], credits: Credits) => consume(engine, providers, { credits })],
    ['handBuiltRun', (engine: Engine, providers: Provider[], credits: Credits) => handBuiltRun(engine, providers, { credits })],
  ])(
    '%s: a provider that ends gives back the credit it took for the item that never came',
    async (_name, run) => {
      const log = createLogger({ level: 'silent' });
      const engine = createEngine({ manager: new PluginManager({ log, includeBundled: false, packageRoots: [] }), log });
      const credits = new Credits(1);
      const receipts = await lastValueFrom(run(engine, [listProvider('empty', []), listProvider('three', ['x', 'y', 'z'])], credits).pipe(toArray()));
      expect(receipts.map((r) => String((r.item as Payload).content))).toEqual(['x', 'y', 'z']);
      expect(credits.outstanding).toBe(0);
    },
    5000,
  );

  // A provider that pushes (a plain Observable, not pullFrom) takes no credits, so acknowledging
  // its items must not free the credits pulled items hold.
  it('items of a pushing provider do not free the credits pulled items hold', async () => {
    const log = createLogger({ level: 'silent' });
    const engine = createEngine({ manager: new PluginManager({ log, includeBundled: false, packageRoots: [] }), log });
    const credits = new Credits(1);
    let firstPulled!: () => void;
    const pulledOne = new Promise<void>((resolve) => (firstPulled = resolve));
    let allPushesAcked!: () => void;
    const pushesAcked = new Promise<void>((resolve) => (allPushesAcked = resolve));
    let held = 0;
    let mostHeld = 0;
    async function* pulledItems() {
      for (const text of ['a', 'b', 'c', 'd', 'e']) {
        mostHeld = Math.max(mostHeld, ++held);
        firstPulled();
        // Pulled items are acknowledged only after every pushed one: until then they hold their credit.
        yield onItemDone(new Payload(text), async () => {
          await pushesAcked;
          held--;
        });
      }
    }
    // Pushed one at a time, each once the one before was acknowledged (and its credit "given back").
    const pushes = ['x', 'y', 'z', 'w'];
    const pushed = new Subject<Payload>();
    const pushNext = () => {
      const text = pushes.shift();
      if (text === undefined) {
        allPushesAcked();
        pushed.complete();
      } else pushed.next(onItemDone(new Payload(text), () => void setImmediate(pushNext)));
    };
    const pulling = { plugin_name: 'pulling', log, ingest: (ctx: IngestContext) => pullFrom(ctx, pulledItems()) } as unknown as Provider;
    const pushing = {
      plugin_name: 'pushing',
      log,
      ingest: () => {
        void pulledOne.then(pushNext);
        return pushed;
      },
    } as unknown as Provider;
    const receipts = await lastValueFrom(consume(engine, [pulling, pushing], { credits, concurrency: 10 }).pipe(toArray()));
    expect(receipts).toHaveLength(9);
    expect(mostHeld).toBe(1);
  }, 5000);
});
