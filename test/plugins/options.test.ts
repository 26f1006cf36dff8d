/**
 * Plugin options are typed by the plugin's zod schema: strings from the command line and the
 * environment become the declared type (and nothing else), bad values are refused naming the
 * plugin, the option, the value and where it came from.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createLogger, PluginManager, WorkerPlugin, type BasePlugin, type PluginManagerOptions } from 'rxstoq';
import { parsePluginOpts } from '../../src/cli/parse-values.js';
import { pluginOptions } from '../../src/plugin/options.js';
import { PLUGINS_DIR } from '../conformance/support.js';

const silent = createLogger({ level: 'silent' });

async function load(name: string, options: Partial<PluginManagerOptions> = {}): Promise<BasePlugin> {
  const manager = new PluginManager({ log: silent, env: {}, pluginDirList: [PLUGINS_DIR], ...options });
  const plugin = await manager.loadPlugin(name);
  await manager.closePlugins();
  return plugin;
}

describe('options of bundled plugins, typed by their schemas', () => {
  it('keeps a string option a string however numeric it looks (decompress:passwords=0123)', async () => {
    const plugin = await load('decompress', { pluginOpts: parsePluginOpts(['decompress:passwords=0123', 'decompress:maximum_size=1000']) });
    expect(plugin.options['passwords']).toEqual(['0123']);
    expect(plugin.options['maximum_size']).toBe(1000);
  });

  it('reads a list as JSON when it starts with "[", so items may hold commas', async () => {
    const plugin = await load('decompress', { pluginOpts: parsePluginOpts(['decompress:passwords=["a,b", "c"]']) });
    expect(plugin.options['passwords']).toEqual(['a,b', 'c']);
  });

  it('refuses exif:timeout=abc, naming plugin, option, value and source', async () => {
    await expect(load('exif', { pluginOpts: parsePluginOpts(['exif:timeout=abc']) })).rejects.toThrow(
      'Plugin "exif" has invalid options: timeout = "abc" (from pluginOpts / --plugin-opts): expected a number',
    );
  });

  it('types environment variables by the schema and names the variable when one is bad', async () => {
    const hash = await load('hash', { env: { STOQ_HASH__POOL_MIN_SIZE: '1024', STOQ_HASH__USE_POOL: 'off' } });
    expect(hash.options).toMatchObject({ pool_min_size: 1024, use_pool: false });
    const filedir = await load('filedir', { env: { STOQ_FILEDIR__SOURCE_DIR: '0123', STOQ_FILEDIR__RECURSIVE: 'YES' } });
    expect(filedir.options).toMatchObject({ source_dir: '0123', recursive: true });
    await expect(load('hash', { env: { STOQ_HASH__USE_POOL: 'maybe' } })).rejects.toThrow(
      'use_pool = "maybe" (from environment variable STOQ_HASH__USE_POOL): expected a boolean (true/false, yes/no, on/off, 1/0)',
    );
  });

  it('passes typed values from the library and config files through the schema unchanged', async () => {
    const hash = await load('hash', { configSections: { hash: { pool_min_size: 10 } }, pluginOpts: { hash: { use_pool: false } } });
    expect(hash.options).toMatchObject({ pool_min_size: 10, use_pool: false });
    await expect(load('hash', { configSections: { hash: { pool_min_size: -1 } } })).rejects.toThrow(
      /pool_min_size = -1 \(from the config file's "hash" section\): Too small/,
    );
  });

  it('names the layer whose value won: pluginOpts over environment over config file', async () => {
    const layers = { configSections: { hash: { pool_min_size: 'c' } }, env: { STOQ_HASH__POOL_MIN_SIZE: 'e' } };
    await expect(load('hash', layers)).rejects.toThrow('pool_min_size = "e" (from environment variable STOQ_HASH__POOL_MIN_SIZE)');
    await expect(load('hash', { ...layers, pluginOpts: { hash: { pool_min_size: 'p' } } })).rejects.toThrow(
      'pool_min_size = "p" (from pluginOpts / --plugin-opts)',
    );
  });

  it('fills in the schema’s defaults (the only place they are written)', async () => {
    const plugin = await load('decompress');
    expect(plugin.options).toEqual({
      passwords: ['-', 'infected', 'password'],
      maximum_size: 50_000_000,
      maximum_total_size: 250_000_000,
      timeout: 45,
      always_dispatch: [],
      archive_extracted: true,
      concurrency: 4,
      memory_limit_mb: 512,
    });
  });

  it('refuses an option the plugin does not declare, listing the ones it does', async () => {
    await expect(load('hash', { pluginOpts: { hash: { pool_size: 3 } } })).rejects.toThrow(
      'Plugin "hash" has invalid options: unknown option pool_size = 3 (from pluginOpts / --plugin-opts); hash takes pool_min_size, use_pool, and every plugin takes timeout, concurrency, threads, isolation, cache, memory_limit_mb, required_workers',
    );
  });

  it('types the options every plugin takes (timeout, concurrency, threads, required_workers)', async () => {
    const hash = await load('hash', { pluginOpts: parsePluginOpts(['hash:timeout=2.5', 'hash:concurrency=3', 'hash:required_workers=a, b']) });
    expect(hash.options).toMatchObject({ timeout: 2.5, concurrency: 3, required_workers: ['a', 'b'] });
    expect([...hash.requiredWorkers]).toEqual(['a', 'b']);
    await expect(load('hash', { pluginOpts: { hash: { concurrency: 0 } } })).rejects.toThrow(/concurrency = 0 \(from pluginOpts \/ --plugin-opts\): Too small/);
  });
});

describe('options of plugins without a schema (upstream plugins)', () => {
  it('pass as given, strings included, while the common options are still typed', async () => {
    const plugin = await load('configurable_worker', {
      pluginOpts: parsePluginOpts(['configurable_worker:crazy_runtime_option=0123', 'configurable_worker:timeout=5']),
    });
    expect(plugin.option('crazy_runtime_option')).toBe('0123');
    expect(plugin.optionInt('crazy_runtime_option')).toBe(123);
    expect(plugin.options.timeout).toBe(5);
    await expect(load('configurable_worker', { pluginOpts: { configurable_worker: { threads: 'two' } } })).rejects.toThrow(
      'threads = "two" (from pluginOpts / --plugin-opts): expected a number',
    );
  });

  it('read list strings as JSON arrays or comma-separated', async () => {
    const plugin = await load('configurable_worker', { pluginOpts: { configurable_worker: { json: '["x,1", "y"]', commas: 'x, y,,z' } } });
    expect(plugin.optionList('json')).toEqual(['x,1', 'y']);
    expect(plugin.optionList('commas')).toEqual(['x', 'y', 'z']);
  });
});

describe('pluginOptions: how each schema type takes a string', () => {
  const layers = (values: Record<string, unknown>) => ({ pluginOpts: values });

  it('coerces by the declared type, looking through optional, default, nullable, pipes and unions of literals', () => {
    const schema = z.object({
      n: z.number().int().optional(),
      f: z.number().nullable().default(1.5),
      b: z.boolean().default(false),
      s: z.string().trim().pipe(z.string().min(1)),
      mode: z.enum(['fast', 'slow']),
      level: z.union([z.literal(1), z.literal(2)]),
      ports: z.array(z.number().int()),
      labels: z.record(z.string(), z.string()),
    });
    const given = { n: ' 42 ', f: '-1e3', b: 'On', s: ' 007 ', mode: 'slow', level: '2', ports: '80, 443', labels: '{"a":"b"}' };
    expect(pluginOptions('p', schema, layers(given))).toEqual({
      n: 42,
      f: -1000,
      b: true,
      s: '007',
      mode: 'slow',
      level: 2,
      ports: [80, 443],
      labels: { a: 'b' },
    });
  });

  it('turns a number or boolean given to a string option into its text (YAML `consumer: 1`)', () => {
    const schema = z.object({ name: z.string(), names: z.array(z.string()) });
    expect(pluginOptions('p', schema, layers({ name: 1, names: [2, true] }))).toEqual({ name: '1', names: ['2', 'true'] });
  });

  it('hands the raw string to a preprocess step and to mixed unions', () => {
    const schema = z.object({
      size: z.preprocess((v) => (v === 'big' ? 1000 : v), z.number()),
      either: z.union([z.string(), z.number()]),
    });
    expect(pluginOptions('p', schema, layers({ size: 'big', either: '12' }))).toEqual({ size: 1000, either: '12' });
  });

  it('says what was expected when a string cannot be read as the declared type', () => {
    const schema = z.object({ ports: z.array(z.number()), labels: z.record(z.string(), z.string()), n: z.number() });
    expect(() => pluginOptions('p', schema, layers({ ports: '80,http', labels: '{oops', n: '0x10' }))).toThrow(
      /ports = "80,http" \(from pluginOpts \/ --plugin-opts\): item 2 \("http"\): expected a number; labels = "\{oops" .*: expected JSON .*; n = "0x10" .*: expected a number/,
    );
  });

  it('reports a missing required option as not set', () => {
    expect(() => pluginOptions('p', z.object({ url: z.string() }), {})).toThrow(
      'Plugin "p" has invalid options: url (not set): Invalid input: expected string, received undefined',
    );
  });

  it('lets a z.looseObject schema take undeclared options, and runs object-level refinements', () => {
    const loose = z.looseObject({ a: z.number().default(1) });
    expect(pluginOptions('p', loose, layers({ extra: 'x', A: '2' }))).toEqual({ a: 2, extra: 'x' });
    const refined = z.object({ lo: z.number(), hi: z.number() }).refine((o) => o.lo <= o.hi, 'lo must not exceed hi');
    expect(() => pluginOptions('p', refined, layers({ lo: '3', hi: '2' }))).toThrow('(all options): lo must not exceed hi');
  });

  it('refuses a schema that is not an object of lower-case options', () => {
    expect(() => pluginOptions('p', z.string(), {})).toThrow('Plugin "p": optionsSchema must be a z.object({...}) of its options (it is a string schema)');
    expect(() => pluginOptions('p', z.object({ maxSize: z.number() }), {})).toThrow(
      'Plugin "p": option names must be lower case (options are matched case-insensitively): maxSize',
    );
  });

  it('treats undefined as not given, so a lower layer’s value stands', () => {
    const schema = z.object({ n: z.number().default(1) });
    expect(pluginOptions('p', schema, { configSection: { n: 5 }, pluginOpts: { n: undefined } })).toEqual({ n: 5 });
  });
});

describe('typed this.options', () => {
  it('has the schema’s output type, plus the common options', () => {
    const Options = z.object({ max_bytes: z.number().int().default(4096), label: z.string().optional() });
    class Typed extends WorkerPlugin<typeof Options> {
      static override optionsSchema = Options;
      scan() {
        expectTypeOf(this.options.max_bytes).toEqualTypeOf<number>();
        expectTypeOf(this.options.label).toEqualTypeOf<string | undefined>();
        expectTypeOf(this.options.timeout).toEqualTypeOf<number | undefined>();
        // @ts-expect-error an option the schema does not declare
        void this.options.max_byte;
        return undefined;
      }
    }
    class Untyped extends WorkerPlugin {
      scan() {
        expectTypeOf(this.options['anything']).toEqualTypeOf<unknown>();
        expectTypeOf(this.options.concurrency).toEqualTypeOf<number | undefined>();
        return undefined;
      }
    }
    expect(Typed.optionsSchema).toBe(Options);
    expect(Untyped.optionsSchema).toBeUndefined();
  });
});

describe('options every plugin takes', () => {
  it('gives each plugin its call budget: its own timeout, else the engine’s plugin_timeout (which exif hands to ExifTool)', async () => {
    expect((await load('hash', { pluginTimeout: 7 })).timeoutSeconds).toBe(7);
    expect((await load('hash', { pluginTimeout: 7, pluginOpts: { hash: { timeout: 3 } } })).timeoutSeconds).toBe(3);
    expect((await load('hash')).timeoutSeconds).toBe(60);
  });

  it('takes isolation and memory_limit_mb from --plugin-opts, typed, and refuses an unknown isolation', async () => {
    const plugin = await load('hash', { pluginOpts: parsePluginOpts(['hash:isolation=thread', 'hash:memory_limit_mb=256']) });
    expect(plugin.options['isolation']).toBe('thread');
    expect(plugin.options['memory_limit_mb']).toBe(256);
    await expect(load('hash', { pluginOpts: parsePluginOpts(['hash:isolation=process']) })).rejects.toThrow(
      /Plugin "hash" has invalid options: isolation = "process"/,
    );
  });
});
