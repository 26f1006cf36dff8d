import type { FoundPath } from '../io/walk-files.js';
import type { PluginCallOutcome } from '../metrics/engine-metrics.js';
import type { CommonFlags } from './common-options.js';

/** What a scan thread needs to build the same Stoq as the main thread. */
export interface ScanThreadInit {
  flags: CommonFlags;
  addStartDispatch: string[];
  /** Files scanned at once inside the thread. */
  concurrency: number;
  /** Record engine metrics and send them along with results. */
  metrics: boolean;
}

export type ToThread = { type: 'files'; paths: FoundPath[] } | { type: 'end' };

/** Engine metric events, replayed on the main thread's registry. */
export interface MetricEvents {
  calls: Array<[plugin: string, seconds: number, outcome: PluginCallOutcome]>;
  requests: Array<{ payloads: number; bytes: number; seconds: number; errors: Array<{ plugin_name: string | null; code?: string }> }>;
}

export type FromThread =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | {
      type: 'done';
      /** NDJSON lines of the batch (empty when connectors took the responses). */
      text: string;
      files: number;
      bytes: number;
      failures: Array<{ path: string; message: string }>;
      metrics?: MetricEvents;
    };
