import type { FoundPath } from '../io/walk-files.js';
import type { PluginCallOutcome } from '../metrics/engine-metrics.js';
import type { CommonFlags } from './common-options.js';

/** What a scan thread needs to build the same Stoq as the main thread (its `setup` data). */
export interface ScanThreadInit {
  flags: CommonFlags;
  addStartDispatch: string[];
  /** Files scanned at once inside the thread. */
  concurrency: number;
  /** Record engine metrics and send them along with results. */
  metrics: boolean;
}

/** One request to a scan thread: paths to scan. */
export type ScanBatch = FoundPath[];

/** Engine metric events, replayed on the main thread's registry. */
export interface MetricEvents {
  calls: Array<[plugin: string, seconds: number, outcome: PluginCallOutcome]>;
  requests: Array<{ payloads: number; bytes: number; seconds: number; errors: Array<{ plugin_name: string | null; code?: string }> }>;
}

/** A scan thread's answer to one batch. */
export interface BatchResult {
  /** NDJSON lines of the batch (empty when connectors took the responses). */
  text: string;
  files: number;
  bytes: number;
  failures: Array<{ path: string; message: string }>;
  metrics?: MetricEvents;
}
