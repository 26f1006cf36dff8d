import { availableParallelism } from 'node:os';
import { StoqPluginException } from '../exceptions.js';
import { DispatcherResponse, type DispatcherResponseInit } from '../model/dispatcher-response.js';
import { ExtractedPayload } from '../model/extracted-payload.js';
import type { Payload } from '../model/payload.js';
import { PayloadMeta, type PayloadMetaInit } from '../model/payload-meta.js';
import { WorkerResponse, type WorkerResponseInit } from '../model/worker-response.js';
import type { Request } from '../model/request.js';
import { BasePlugin } from '../plugin/base-plugin.js';
import type { CallContext, PluginConfig } from '../plugin/plugin-config.js';
import { runnableModule, ThreadModuleError } from '../threads/runnable-module.js';
import { ThreadHost } from '../threads/thread-host.js';
import { applyPayloadMeta, snapshotPayload, type CallMessage, type CallReply, type ThreadInit, type ThreadMethod } from './thread-protocol.js';

const PLUGIN_THREAD = new URL('./plugin-thread.js', import.meta.url);

/** What a plugin class declares about its answers, read by the result cache. */
export interface PluginClassStatics {
  cacheable?: boolean;
  cacheMetaKeys?: readonly string[];
}
/** Heap cap of an isolated plugin's threads unless its `memory_limit_mb` option says otherwise. */
const DEFAULT_THREAD_HEAP_MB = 512;

/** A plugin module a thread can import: bundled TypeScript sources run from their build. */
function threadModulePath(modulePath: string, name: string): string {
  try {
    return runnableModule(modulePath);
  } catch (err) {
    if (!(err instanceof ThreadModuleError)) throw err;
    throw new StoqPluginException(`Plugin "${name}" asks for isolation: thread, which needs a module a worker thread can load: ${err.message}`);
  }
}

/** Give direct callers the response classes back (structured clone keeps only the shape). */
function revive(method: ThreadMethod, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if (method === 'getDispatches') return new DispatcherResponse(v as DispatcherResponseInit);
  const extracted = Array.isArray(v['extracted'])
    ? (v['extracted'] as Array<{ content: Uint8Array; payload_meta?: PayloadMetaInit }>).map(
        (e) =>
          new ExtractedPayload(
            e?.content instanceof Uint8Array ? Buffer.from(e.content.buffer, e.content.byteOffset, e.content.byteLength) : e?.content,
            new PayloadMeta(e?.payload_meta ?? {}),
          ),
      )
    : undefined;
  return new WorkerResponse({ ...(v as WorkerResponseInit), extracted });
}

/**
 * Stands in for a plugin whose manifest says `isolation: thread`: each call runs in one of a few
 * worker threads holding their own instance of the plugin. When a call's signal aborts (timeout,
 * deadline, shutdown) that thread is terminated — the only way to stop CPU-bound code — and a
 * fresh one is started for the next call.
 */
export class ThreadedPlugin extends BasePlugin {
  readonly #threads: ThreadHost<CallMessage, CallReply>;
  scan?: (payload: Payload, request: Request, context: CallContext) => Promise<unknown>;
  getDispatches?: (payload: Payload, request: Request, context: CallContext) => Promise<unknown>;

  constructor(config: PluginConfig, modulePath: string, methods: ThreadMethod[], logLevel: string, pluginClass: PluginClassStatics = {}) {
    super(config);
    this.pluginClass = pluginClass;
    const init: ThreadInit = {
      modulePath: threadModulePath(modulePath, config.name),
      name: config.name,
      manifest: config.manifest,
      options: config.options,
      pluginDir: config.pluginDir,
      logLevel,
    };
    const threads = Number(config.options['threads']);
    const size = Number.isInteger(threads) && threads > 0 ? threads : Math.min(availableParallelism(), 4);
    const memory = Number(config.options['memory_limit_mb']);
    this.#threads = new ThreadHost({
      module: PLUGIN_THREAD,
      data: init,
      name: `plugin ${config.name}`,
      size,
      // A runaway allocation kills only its thread (replaced on demand), never the process.
      resourceLimits: { maxOldGenerationSizeMb: Number.isInteger(memory) && memory > 0 ? memory : DEFAULT_THREAD_HEAP_MB },
    });
    if (methods.includes('scan')) this.scan = (p, r, c) => this.#call('scan', p, r, c);
    if (methods.includes('getDispatches')) this.getDispatches = (p, r, c) => this.#call('getDispatches', p, r, c);
  }

  /** Start one thread and wait until it has loaded the plugin, so load errors surface now. */
  override async setup(): Promise<void> {
    await this.#threads.start(1);
  }

  /**
   * The plugin's own class, for what it declares about itself (`cacheable`, `cacheMetaKeys`):
   * this stand-in answers for it.
   */
  readonly pluginClass: PluginClassStatics;
  #variant: string | undefined;
  #gauges: Record<string, number> | undefined;

  /** The plugin's `gauges()` as the thread that answered last reported them. */
  override gauges(): Record<string, number> {
    return this.#gauges ?? {};
  }

  /** The plugin's `cacheVariant()` as its threads last reported it (a thread reloads rules on its own). */
  override cacheVariant(): string {
    return this.#variant ?? '';
  }

  async #call(method: ThreadMethod, payload: Payload, request: Request, context: CallContext): Promise<unknown> {
    const message: CallMessage = { method, payload: snapshotPayload(payload), request_meta: request.request_meta.toJSON() };
    const reply = await this.#threads.run(message, [message.payload.content.buffer as ArrayBuffer], { signal: context.signal });
    if (reply.variant !== undefined) this.#variant = reply.variant;
    if (reply.gauges !== undefined) this.#gauges = reply.gauges;
    applyPayloadMeta(payload, reply.payload_meta);
    return revive(method, reply.value);
  }

  override async close(): Promise<void> {
    await this.#threads.close();
  }
}
