/**
 * The thread module (see ThreadModule) of an isolated plugin: each thread loads its own
 * instance of the plugin, then runs the calls the main thread hands it, one at a time.
 */
import { createLogger } from '../log/logger.js';
import type { BasePlugin, Dispatcher, Worker } from '../plugin/base-plugin.js';
import type { Manifest } from '../plugin/manifest.js';
import { pluginClasses } from '../plugin/plugin-manager.js';
import { importPluginModule } from '../plugin/share-rxstoq.js';
import { TRANSFER } from '../threads/wire.js';
import { restorePayload, restoreRequest, type CallMessage, type CallReply, type ThreadInit } from './thread-protocol.js';

/** A plugin that cannot load (a rule file that does not compile) fails the thread's start, as it would in-process. */
export async function setup(init: ThreadInit): Promise<BasePlugin> {
  const mod = await importPluginModule(init.modulePath);
  const [cls] = pluginClasses(mod);
  if (!cls) throw new Error(`No valid plugin classes found in ${init.modulePath}`);
  const log = createLogger({ level: init.logLevel }).child({ plugin: init.name, thread: true });
  const plugin = new cls({ name: init.name, manifest: init.manifest as Manifest, options: init.options, pluginDir: init.pluginDir, log });
  await plugin.setup?.();
  return plugin;
}

export async function handle(msg: CallMessage, plugin: BasePlugin): Promise<CallReply> {
  const payload = restorePayload(msg.payload);
  const request = restoreRequest(payload, msg.request_meta);
  const context = { signal: new AbortController().signal, log: plugin.log.child({ payload_id: payload.payload_id }) };
  const value =
    msg.method === 'scan' ? await (plugin as Worker).scan(payload, request, context) : await (plugin as Dispatcher).getDispatches(payload, request, context);
  const reply: CallReply = {
    value: value ?? undefined,
    payload_meta: payload.payload_meta.toJSON(),
    variant: plugin.cacheVariant?.(),
    gauges: plugin.gauges?.(),
  };
  // Extracted content travels back by transfer, not copy.
  const moved: ArrayBuffer[] = [];
  const extracted = (value as { extracted?: Array<{ content?: unknown }> } | undefined)?.extracted;
  if (Array.isArray(extracted)) {
    for (const e of extracted) {
      if (e?.content instanceof Uint8Array && e.content.byteOffset === 0 && e.content.byteLength === e.content.buffer.byteLength) {
        const buffer = e.content.buffer;
        if (buffer instanceof ArrayBuffer && !moved.includes(buffer)) moved.push(buffer);
      }
    }
  }
  if (moved.length > 0) reply[TRANSFER] = moved;
  return reply;
}
