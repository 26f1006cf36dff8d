import { parentPort, workerData } from 'node:worker_threads';
import type { EngineMetrics } from '../metrics/engine-metrics.js';
import type { FoundPath } from '../io/walk-files.js';
import { disableSharedPool } from '../pool/shared-pool.js';
import { Stoq } from '../stoq.js';
import { requestMetaFrom, stoqOptionsFrom } from './common-options.js';
import { fileRequest } from './scan-file.js';
import type { FromThread, MetricEvents, ScanThreadInit, ToThread } from './scan-protocol.js';

/**
 * One of the threads of `stoq scan DIR`: a whole Stoq of its own, scanning the batches of paths
 * the main thread sends and answering with their NDJSON lines. Each thread hashes inline (the
 * shared pool is off here): every core already runs a pipeline.
 */
const port = parentPort!;
const init = workerData as ScanThreadInit;
disableSharedPool();

let events: MetricEvents = { calls: [], requests: [] };
const recorder: EngineMetrics = {
  pluginCall: (plugin, seconds, outcome) => events.calls.push([plugin, seconds, outcome]),
  requestStarted: () => undefined,
  requestFinished: (s) => events.requests.push({ payloads: s.payloads, bytes: s.bytes, seconds: s.seconds, errors: s.errors.map((e) => ({ plugin_name: e.plugin_name, code: e.code })) }),
};

const post = (msg: FromThread) => port.postMessage(msg);

async function main(): Promise<void> {
  const options = { ...stoqOptionsFrom(init.flags), metricsPort: null, prettyLogs: false, metrics: init.metrics ? recorder : undefined };
  const stoq = new Stoq(options);
  try {
    await stoq.ready();
  } catch (err) {
    post({ type: 'fatal', message: (err as Error).message });
    return;
  }
  const requestMeta = requestMetaFrom(init.flags);
  const maxBytes = stoq.engine.limits.maxPayloadSize;
  const print = stoq.loadedConnectors.length === 0;
  post({ type: 'ready' });

  // Batches are handled one after another; the files of a batch `concurrency` at a time.
  let chain = Promise.resolve();
  port.on('message', (msg: ToThread) => {
    if (msg.type === 'end') {
      chain = chain.then(async () => {
        await stoq.close();
        port.close();
      });
      return;
    }
    chain = chain.then(() => scanBatch(msg.paths));
  });

  async function scanBatch(paths: FoundPath[]): Promise<void> {
    const lines: string[] = new Array(paths.length).fill('');
    const failures: Array<{ path: string; message: string }> = [];
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
    const metrics = init.metrics ? events : undefined;
    events = { calls: [], requests: [] };
    post({ type: 'done', text: lines.join(''), files: paths.length, bytes, failures, metrics });
  }
}

main().catch((err: unknown) => post({ type: 'fatal', message: (err as Error)?.stack ?? String(err) }));
