import { z } from 'zod';
import { logFileProblem } from '../log/log-file.js';

/** A list given as a YAML list or as upstream's comma-separated string. */
const list = z.union([z.array(z.string()), z.string()]).transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

const count = z.number().int().nonnegative();
const positiveSeconds = z.number().positive();

/** The `core:` section of `stoq.yaml`: upstream's `[core]` keys plus rxstoq's own. */
export const CoreConfigSchema = z
  .object({
    max_queue: count.optional(),
    provider_consumers: z.number().int().positive().optional(),
    max_recursion: count.optional(),
    max_required_worker_depth: count.optional(),
    log_dir: z.string().nullable().optional(),
    log_level: z.string().optional(),
    /** Rotate `<log_dir>/stoq.log` once it reaches this many bytes (0: never); needs log_dir. */
    log_maxbytes: count.optional(),
    /** Rotated files kept, stoq.log.1 … stoq.log.N (default 5); needs log_maxbytes. */
    log_backup_count: count.optional(),
    /** The log file's lines: json (default, one object a line) or text (one readable line). */
    log_syntax: z.enum(['text', 'json']).optional(),
    plugin_dir_list: list.optional(),
    providers: list.optional(),
    source_archivers: list.optional(),
    dest_archivers: list.optional(),
    connectors: list.optional(),
    dispatchers: list.optional(),
    decorators: list.optional(),
    always_dispatch: list.optional(),
    // rxstoq extensions
    /** Payloads scanned at once within one request. */
    payload_concurrency: z.number().int().positive().optional(),
    /** Plugin calls in flight at once, across all payloads and requests of this instance. */
    worker_concurrency: z.number().int().positive().optional(),
    /** Default per-plugin-call timeout, seconds. */
    plugin_timeout: positiveSeconds.optional(),
    /** Seconds one plugin call may keep the event loop busy before it is logged and counted. */
    event_loop_warning: positiveSeconds.optional(),
    /** Whole-request deadline, seconds. */
    request_timeout: positiveSeconds.optional(),
    /** Bytes; larger payloads are recorded, not scanned. */
    max_payload_size: z.number().int().positive().optional(),
    max_extracted_per_payload: count.optional(),
    max_extracted_per_request: count.optional(),
    /** Total bytes of extracted payloads per request. */
    max_extracted_bytes: count.optional(),
    /** Total bytes of extracted payloads held by all requests in flight together. */
    max_inflight_extracted_bytes: count.optional(),
    /** Extracted bytes over the parent's size (zip bombs). */
    max_compression_ratio: z.number().positive().optional(),
    /** Serve Prometheus metrics on this port (0: any free port); unset: no metrics at all. */
    metrics_port: z.number().int().min(0).max(65535).nullable().optional(),
    /** Address the metrics endpoint listens on. */
    metrics_host: z.string().min(1).optional(),
    /** Byte cap of the in-memory result cache; 0 or unset: no cache (unless result_cache_redis is set). */
    result_cache_bytes: count.optional(),
    /** A Redis shared by a fleet as the result cache's second tier (redis://host:port/db). */
    result_cache_redis: z.string().min(1).optional(),
    /** Seconds an answer lives in the Redis tier (default 7 days). */
    result_cache_ttl: positiveSeconds.optional(),
    /** Threads in the worker pool for CPU-bound plugin work; default the number of cores. */
    pool_size: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((core, ctx) => {
    const problem = logFileProblem(core.log_maxbytes, core.log_backup_count);
    if (problem) ctx.addIssue({ code: 'custom', path: ['log_backup_count'], message: problem });
  });

export type CoreConfig = z.infer<typeof CoreConfigSchema>;

/** Every other top-level key is one plugin's options section. */
export const ConfigFileSchema = z.object({ core: CoreConfigSchema.default({}) }).catchall(
  z
    .record(z.string(), z.unknown())
    .nullable()
    .transform((v) => v ?? {}),
);

export type ConfigFile = { core: CoreConfig; [plugin: string]: Record<string, unknown> };
