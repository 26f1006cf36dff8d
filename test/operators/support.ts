import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, expect } from 'vitest';
import { createLogger, PluginManager, type Archiver, type BasePlugin, type Connector, type Decorator, type Dispatcher, type Logger } from 'rxstoq';
import { createEngine, type Engine, type EngineOptions, type Failure } from 'rxstoq/operators';
import type { Gate } from '../fixtures/operator-plugins/gate/gate.js';

/** Purpose-built plugins for the operator tests (gate, probe, tally_provider). */
export const OPERATOR_PLUGINS_DIR = fileURLToPath(new URL('../fixtures/operator-plugins', import.meta.url));
/** The conformance fixtures (upstream's test plugins: simple_worker, simple_dispatcher, ...). */
export const CONFORMANCE_PLUGINS_DIR = fileURLToPath(new URL('../fixtures/data/plugins', import.meta.url));
/** extractor, extractor_b, garbage, sleeper. */
export const ENGINE_PLUGINS_DIR = fileURLToPath(new URL('../fixtures/engine-plugins', import.meta.url));

export interface Setup {
  manager: PluginManager;
  engine: Engine;
  /** The loaded instance of a plugin (the one the engine uses), typed for the test. */
  plugin<T = BasePlugin>(name: string): Promise<T>;
  /** Every failure published on `engine.failures` since the setup. */
  failures: Failure[];
}

export interface SetupOptions
  extends Partial<Omit<EngineOptions, 'manager' | 'dispatchers' | 'destArchivers' | 'sourceArchivers' | 'decorators' | 'connectors'>> {
  pluginOpts?: Record<string, Record<string, unknown>>;
  dispatchers?: string[];
  destArchivers?: string[];
  sourceArchivers?: string[];
  decorators?: string[];
  connectors?: string[];
}

const managers: PluginManager[] = [];
afterEach(async () => {
  while (managers.length) await managers.pop()!.closePlugins();
});

/**
 * An engine as a user builds one: a PluginManager over the fixture plugin folders and the bundled
 * plugins (hash, filedir...), the named plugins loaded in their roles, `createEngine` over them.
 * Plugin packages are off so nothing outside the checkout is found.
 */
export async function setup(options: SetupOptions = {}): Promise<Setup> {
  const { pluginOpts, dispatchers = [], destArchivers = [], sourceArchivers = [], decorators = [], connectors = [], ...engineOptions } = options;
  const log = options.log ?? createLogger({ level: 'silent' });
  const manager = new PluginManager({
    pluginDirList: [CONFORMANCE_PLUGINS_DIR, ENGINE_PLUGINS_DIR, OPERATOR_PLUGINS_DIR],
    pluginOpts,
    packageRoots: [],
    env: {},
    log,
  });
  managers.push(manager);
  const load = <T>(names: string[], role: 'dispatcher' | 'archiver' | 'decorator' | 'connector') =>
    Promise.all(names.map(async (n) => (await manager.loadPlugin(n, role)) as unknown as T));
  const engine = createEngine({
    ...engineOptions,
    manager,
    log,
    dispatchers: await load<Dispatcher>(dispatchers, 'dispatcher'),
    destArchivers: await load<Archiver>(destArchivers, 'archiver'),
    sourceArchivers: await load<Archiver>(sourceArchivers, 'archiver'),
    decorators: await load<Decorator>(decorators, 'decorator'),
    connectors: await load<Connector>(connectors, 'connector'),
  });
  const failures: Failure[] = [];
  engine.failures.subscribe((f) => failures.push(f));
  return { manager, engine, failures, plugin: async <T>(name: string) => (await manager.loadPlugin(name)) as unknown as T };
}

/** A logger whose records a test can read back. */
export function capturingLogger(): { log: Logger; records: () => Array<{ level: number; msg: string; [k: string]: unknown }> } {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } });
  return { log, records: () => lines.flatMap((l) => l.split('\n').filter(Boolean)).map((l) => JSON.parse(l)) };
}

/**
 * The `@example` of an exported operator, as written in its doc comment (the ` * ` margins
 * removed), so a test can run exactly what the documentation shows.
 */
export function docExample(file: string, name: string): string {
  const source = readFileSync(fileURLToPath(new URL(`../../operators/${file}`, import.meta.url)), 'utf8');
  const at = source.search(new RegExp(`^export (?:async )?(?:function|class) ${name}\\b`, 'm'));
  if (at < 0) throw new Error(`${file}: no export named ${name}`);
  const doc = source.slice(source.lastIndexOf('/**', at), at);
  const lines = doc.split('\n').map((l) => l.replace(/^\s*\*\/?\s?/, ''));
  const start = lines.findIndex((l) => l.startsWith('@example'));
  if (start < 0) throw new Error(`${file}: ${name} has no @example`);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('@')) break;
    body.push(line);
  }
  return body.join('\n').trim();
}

/**
 * Run example code with the given names in scope (top-level `await` allowed). It is compiled by
 * TypeScript first, so a syntax error in the example fails the test with TypeScript's message.
 */
export async function runExample(code: string, scope: Record<string, unknown>): Promise<void> {
  const names = Object.keys(scope);
  const wrapped = `(async function (${names.join(', ')}) {\n${code}\n})`;
  const out = ts.transpileModule(wrapped, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } });
  const problems = (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (problems.length > 0) throw new SyntaxError(`the example does not compile: ${problems.join('; ')}\n${code}`);
  // The example's code, evaluated with exactly the bindings the test provides.
  // biome-ignore lint/security/noGlobalEval: the example is the test's own transpiled code, evaluated in global scope on purpose (indirect eval through globalThis) so it sees only the bindings passed in
  const fn = globalThis.eval(out.outputText) as (...args: unknown[]) => Promise<void>;
  await fn(...names.map((n) => scope[n]));
}

/** A `console` stand-in for examples: what they log, and a promise for the n-th line. */
export function exampleConsole(): {
  console: { log: (...a: unknown[]) => void; error: (...a: unknown[]) => void };
  lines: unknown[][];
  errors: unknown[][];
  logged(n: number): Promise<unknown[][]>;
} {
  const lines: unknown[][] = [];
  const errors: unknown[][] = [];
  const waiting: Array<{ n: number; resolve: (l: unknown[][]) => void }> = [];
  const wake = () => {
    for (const w of [...waiting]) {
      if (lines.length < w.n) continue;
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(lines);
    }
  };
  return {
    console: {
      log: (...a) => {
        lines.push(a);
        wake();
      },
      error: (...a) => errors.push(a),
    },
    lines,
    errors,
    logged: (n) =>
      new Promise((resolve) => {
        waiting.push({ n, resolve });
        wake();
      }),
  };
}

/**
 * With a stage limited to one call at a time over the gate plugin: open the held calls one by one,
 * checking they come in `ids` order and never two at once; resolves with what the stage produced.
 */
export async function openOneByOne<T>(gate: Gate, ids: string[], done: Promise<T>): Promise<T> {
  for (const id of ids) {
    const held = await gate.whenHeld(1);
    expect(held.map((c) => c.id)).toEqual([id]);
    held[0]!.open();
  }
  const result = await done;
  expect(gate.maxInFlight).toBe(1);
  return result;
}
