import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import { StoqPluginException } from '../exceptions.js';
import { DispatcherResponse, type DispatcherResponseInit } from '../model/dispatcher-response.js';
import { ExtractedPayload } from '../model/extracted-payload.js';
import type { Payload } from '../model/payload.js';
import { PayloadMeta, type PayloadMetaInit } from '../model/payload-meta.js';
import { WorkerResponse, type WorkerResponseInit } from '../model/worker-response.js';
import type { Request } from '../model/request.js';
import { BasePlugin } from '../plugin/base-plugin.js';
import { BUNDLED_SOURCE_DIR, RUNNING_FROM_SOURCE } from '../plugin/bundled.js';
import type { CallContext, PluginConfig } from '../plugin/plugin-config.js';
import { applyPayloadMeta, snapshotPayload, type CallMessage, type ReadyMessage, type ReplyMessage, type ThreadInit, type ThreadMethod } from './thread-protocol.js';

/** The compiled thread entry (threads cannot load TypeScript, so tests use the build too). */
const ENTRY = RUNNING_FROM_SOURCE
  ? fileURLToPath(new URL('../../dist/src/isolation/plugin-thread.js', import.meta.url))
  : fileURLToPath(new URL('./plugin-thread.js', import.meta.url));

/** A plugin module a thread can import: bundled TypeScript sources map to their build. */
function threadModulePath(modulePath: string, name: string): string {
  if (!modulePath.endsWith('.ts')) return modulePath;
  const rel = relative(BUNDLED_SOURCE_DIR, modulePath);
  const built = join(BUNDLED_SOURCE_DIR, '..', 'dist', 'plugins', rel).replace(/\.ts$/, '.js');
  if (!rel.startsWith('..') && existsSync(built)) return built;
  throw new StoqPluginException(`Plugin "${name}" asks for isolation: thread, which needs a compiled .js module (found ${modulePath})`);
}

/** Give direct callers the response classes back (structured clone keeps only the shape). */
function revive(method: ThreadMethod, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if (method === 'getDispatches') return new DispatcherResponse(v as DispatcherResponseInit);
  const extracted = Array.isArray(v['extracted'])
    ? (v['extracted'] as Array<{ content: Uint8Array; payload_meta?: PayloadMetaInit }>).map(
        (e) => new ExtractedPayload(e?.content instanceof Uint8Array ? Buffer.from(e.content.buffer, e.content.byteOffset, e.content.byteLength) : e?.content, new PayloadMeta(e?.payload_meta ?? {})),
      )
    : undefined;
  return new WorkerResponse({ ...(v as WorkerResponseInit), extracted });
}

class CallFailed extends Error {
  constructor(
    message: string,
    name: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = name;
  }
}

interface Slot {
  thread: Thread;
  busy: boolean;
  /** Settles when the thread has loaded the plugin (rejects with the load error). */
  ready: Promise<void>;
  pending?: { id: number; resolve: (r: ReplyMessage) => void; reject: (e: unknown) => void };
}

/**
 * Stands in for a plugin whose manifest says `isolation: thread`: each call runs in one of a few
 * worker threads holding their own instance of the plugin. When a call's signal aborts (timeout,
 * deadline, shutdown) that thread is terminated — the only way to stop CPU-bound code — and a
 * fresh one is started for the next call.
 */
export class ThreadedPlugin extends BasePlugin {
  readonly #init: ThreadInit;
  readonly #size: number;
  readonly #slots: Slot[] = [];
  readonly #waiting: Array<(slot: Slot) => void> = [];
  #nextId = 0;
  #closed = false;
  scan?: (payload: Payload, request: Request, context: CallContext) => Promise<unknown>;
  getDispatches?: (payload: Payload, request: Request, context: CallContext) => Promise<unknown>;

  constructor(config: PluginConfig, modulePath: string, methods: ThreadMethod[], logLevel: string) {
    super(config);
    this.#init = {
      modulePath: threadModulePath(modulePath, config.name),
      name: config.name,
      manifest: config.manifest,
      options: config.options,
      pluginDir: config.pluginDir,
      logLevel,
    };
    const threads = Number(config.options['threads']);
    this.#size = Number.isInteger(threads) && threads > 0 ? threads : Math.min(availableParallelism(), 4);
    if (methods.includes('scan')) this.scan = (p, r, c) => this.#call('scan', p, r, c);
    if (methods.includes('getDispatches')) this.getDispatches = (p, r, c) => this.#call('getDispatches', p, r, c);
  }

  #spawn(): Slot {
    const thread = new Thread(ENTRY, { workerData: this.#init });
    let loaded!: () => void;
    let failedToLoad!: (e: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      loaded = resolve;
      failedToLoad = reject;
    });
    ready.catch(() => undefined);
    const slot: Slot = { thread, busy: false, ready };
    thread.unref();
    thread.on('message', (msg: ReplyMessage | ReadyMessage) => {
      if ('ready' in msg) {
        if (msg.ready) loaded();
        else failedToLoad(new Error(msg.error ?? 'plugin failed to load in its thread'));
      } else if (slot.pending?.id === msg.id) slot.pending.resolve(msg);
    });
    const fail = (err: unknown) => {
      failedToLoad(err instanceof Error ? err : new Error(String(err)));
      slot.pending?.reject(err);
      slot.pending = undefined;
      this.#drop(slot);
    };
    slot.thread.on('error', fail);
    slot.thread.on('exit', (code) => fail(new Error(`plugin thread of ${this.plugin_name} exited (code ${code})`)));
    this.#slots.push(slot);
    return slot;
  }

  #drop(slot: Slot): void {
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
    void slot.thread.terminate();
    // A waiter may now get a fresh thread.
    const next = this.#waiting.shift();
    if (next && !this.#closed) {
      const fresh = this.#spawn();
      fresh.busy = true;
      next(fresh);
    }
  }

  #acquire(): Promise<Slot> {
    const idle = this.#slots.find((s) => !s.busy);
    const slot = idle ?? (this.#slots.length < this.#size ? this.#spawn() : undefined);
    if (slot) {
      slot.busy = true;
      return Promise.resolve(slot);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(slot: Slot): void {
    slot.busy = false;
    const next = this.#waiting.shift();
    if (next) {
      slot.busy = true;
      next(slot);
    }
  }

  /** Start one thread and wait until it has loaded the plugin, so load errors surface now. */
  override async setup(): Promise<void> {
    const slot = this.#spawn();
    try {
      await slot.ready;
    } catch (err) {
      this.#drop(slot);
      throw err;
    }
  }

  async #call(method: ThreadMethod, payload: Payload, request: Request, context: CallContext): Promise<unknown> {
    if (this.#closed) throw new Error(`plugin ${this.plugin_name} is closed`);
    const slot = await this.#acquire();
    try {
      await slot.ready;
    } catch (err) {
      this.#release(slot);
      throw err;
    }
    const id = ++this.#nextId;
    const message: CallMessage = { id, method, payload: snapshotPayload(payload), request_meta: request.request_meta.toJSON() };
    let onAbort: (() => void) | undefined;
    try {
      const reply = await new Promise<ReplyMessage>((resolve, reject) => {
        slot.pending = { id, resolve, reject };
        onAbort = () => {
          slot.pending = undefined;
          this.#drop(slot);
          reject(context.signal.reason);
        };
        if (context.signal.aborted) return onAbort();
        context.signal.addEventListener('abort', onAbort, { once: true });
        slot.thread.postMessage(message, [message.payload.content.buffer as ArrayBuffer]);
      });
      slot.pending = undefined;
      this.#release(slot);
      applyPayloadMeta(payload, reply.payload_meta);
      if (!reply.ok) throw new CallFailed(reply.error?.message ?? 'plugin call failed', reply.error?.name ?? 'Error', reply.error?.code);
      return revive(method, reply.value);
    } finally {
      if (onAbort) context.signal.removeEventListener('abort', onAbort);
    }
  }

  override async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#slots.splice(0).map((s) => s.thread.terminate()));
  }
}
