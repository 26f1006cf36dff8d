/**
 * Entry point of a worker thread hosting one instance of an isolated plugin. It loads the
 * plugin module itself, then answers calls until the main thread terminates it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../log/logger.js';
import type { BasePlugin, Dispatcher, Worker } from '../plugin/base-plugin.js';
import type { Manifest } from '../plugin/manifest.js';
import { pluginClasses } from '../plugin/plugin-manager.js';
import { importPluginModule } from '../plugin/share-rxstoq.js';
import { restorePayload, restoreRequest, type CallMessage, type ReadyMessage, type ReplyMessage, type ThreadInit } from './thread-protocol.js';

const init = workerData as ThreadInit;
const port = parentPort!;

async function load(): Promise<BasePlugin> {
  const mod = await importPluginModule(init.modulePath);
  const [cls] = pluginClasses(mod);
  if (!cls) throw new Error(`No valid plugin classes found in ${init.modulePath}`);
  const log = createLogger({ level: init.logLevel }).child({ plugin: init.name, thread: true });
  const plugin = new cls({ name: init.name, manifest: init.manifest as Manifest, options: init.options, pluginDir: init.pluginDir, log });
  await plugin.setup?.();
  return plugin;
}

const ready = load();
// The main thread waits for this before the first call, so a plugin that cannot load (a rule
// file that does not compile) fails at load time, as an in-process plugin would.
ready.then(
  () => port.postMessage({ ready: true } satisfies ReadyMessage),
  (err: unknown) => port.postMessage({ ready: false, error: (err as Error)?.message ?? String(err) } satisfies ReadyMessage),
);

port.on('message', async (msg: CallMessage) => {
  const reply: ReplyMessage = { id: msg.id, ok: false };
  const transfer: ArrayBuffer[] = [];
  try {
    const plugin = await ready;
    const payload = restorePayload(msg.payload);
    const request = restoreRequest(payload, msg.request_meta);
    const context = { signal: new AbortController().signal, log: plugin.log.child({ payload_id: payload.payload_id }) };
    const value =
      msg.method === 'scan'
        ? await (plugin as Worker).scan(payload, request, context)
        : await (plugin as Dispatcher).getDispatches(payload, request, context);
    reply.ok = true;
    reply.value = value ?? undefined;
    reply.payload_meta = payload.payload_meta.toJSON();
    // Extracted content travels back by transfer, not copy.
    const extracted = (value as { extracted?: Array<{ content?: unknown }> } | undefined)?.extracted;
    if (Array.isArray(extracted)) {
      for (const e of extracted) {
        if (e?.content instanceof Uint8Array && e.content.byteOffset === 0 && e.content.byteLength === e.content.buffer.byteLength) {
          const buffer = e.content.buffer;
          if (buffer instanceof ArrayBuffer && !transfer.includes(buffer)) transfer.push(buffer);
        }
      }
    }
  } catch (err) {
    const e = err as Error & { code?: unknown };
    reply.error = { name: e?.name ?? 'Error', message: e?.message ?? String(err), code: typeof e?.code === 'string' ? e.code : undefined };
  }
  try {
    port.postMessage(reply, transfer);
  } catch (err) {
    // The value would not clone (functions, class internals): say so instead of hanging the call.
    port.postMessage({ id: msg.id, ok: false, error: { name: 'DataCloneError', message: `plugin returned a value that cannot leave its thread: ${(err as Error).message}` } });
  }
});
