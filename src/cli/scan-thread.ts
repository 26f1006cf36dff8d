import type { EngineMetrics, PluginCallOutcome } from '../metrics/engine-metrics.js';
import { disableSharedPool } from '../pool/shared-pool.js';
import { Stoq } from '../stoq.js';
import { requestMetaFrom, stoqOptionsFrom } from './common-options.js';
import { fileRequest } from './scan-file.js';
import type { BatchResult, MetricEvents, ScanBatch, ScanThreadInit } from './scan-protocol.js';

/**
 * The thread module (see ThreadModule) of `stoq scan DIR`'s threads: a whole Stoq of its own,
 * scanning the batches of paths the main thread sends and answering with their NDJSON lines.
 * Each thread hashes inline (the shared pool is off here): every core already runs a pipeline.
 */

/** Engine metrics recorded here and sent with each batch's answer, to be replayed on the main thread. */
class MetricRecorder implements EngineMetrics {
  #events: MetricEvents = { calls: [], requests: [] };

  pluginCall(plugin: string, seconds: number, outcome: PluginCallOutcome): void {
    this.#events.calls.push([plugin, seconds, outcome]);
  }

  requestStarted(): void {}

  requestFinished(s: Parameters<EngineMetrics['requestFinished']>[0]): void {
    this.#events.requests.push({
      payloads: s.payloads,
      bytes: s.bytes,
      seconds: s.seconds,
      errors: s.errors.map((e) => ({ plugin_name: e.plugin_name, code: e.code })),
    });
  }

  /** The events since the last call. */
  take(): MetricEvents {
    const events = this.#events;
    this.#events = { calls: [], requests: [] };
    return events;
  }
}

interface ScanThread {
  stoq: Stoq;
  init: ScanThreadInit;
  requestMeta: ReturnType<typeof requestMetaFrom>;
  maxBytes: number;
  /** Print responses (no connector takes them). */
  print: boolean;
  metrics: MetricRecorder | undefined;
}

/** A bad option fails here, so the main thread reports it once, before scanning anything. */
export async function setup(init: ScanThreadInit): Promise<ScanThread> {
  disableSharedPool();
  const metrics = init.metrics ? new MetricRecorder() : undefined;
  const stoq = new Stoq({ ...stoqOptionsFrom(init.flags), metricsPort: null, prettyLogs: false, metrics });
  await stoq.ready();
  return {
    stoq,
    init,
    requestMeta: requestMetaFrom(init.flags),
    maxBytes: stoq.engine.limits.maxPayloadSize,
    print: stoq.loadedConnectors.length === 0,
    metrics,
  };
}

/** The files of a batch are scanned `concurrency` at a time. */
export async function handle(paths: ScanBatch, thread: ScanThread): Promise<BatchResult> {
  const { stoq, init, requestMeta, maxBytes, print } = thread;
  const lines: string[] = new Array(paths.length).fill('');
  const failures: BatchResult['failures'] = [];
  let bytes = 0;
  let next = 0;
  const lane = async () => {
    while (next < paths.length) {
      const i = next++;
      const { request, shown, readError } = fileRequest(paths[i]!, maxBytes, requestMeta.clone());
      if (readError) failures.push({ path: shown, message: (readError as NodeJS.ErrnoException).code ?? readError.message });
      bytes += request.payloads[0]?.results.size ?? 0;
      const response = await stoq.scanRequest(request, init.addStartDispatch);
      if (print) lines[i] = `${JSON.stringify(response)}\n`;
    }
  };
  await Promise.all(Array.from({ length: Math.min(init.concurrency, paths.length) }, lane));
  return { text: lines.join(''), files: paths.length, bytes, failures, metrics: thread.metrics?.take() };
}

/** Connectors flush and plugins close before the thread exits. */
export async function close(thread: ScanThread): Promise<void> {
  await thread.stoq.close();
}
