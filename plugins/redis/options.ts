import { hostname } from 'node:os';
import { z } from 'zod';

const name = z.string().trim().min(1);
const int = (min: number) => z.number().int().min(min);

/** The redis plugin's options, with their defaults (config, env and --plugin-opts override them). */
export const RedisOptionsSchema = z.object({
  /** Default: $REDIS_URL, else redis://127.0.0.1:6379. */
  redis_url: z
    .string()
    .trim()
    .regex(/^(rediss?|unix):\/\//, 'must be a redis://, rediss:// or unix:// URL')
    .optional(),
  stream: name.default('stoq:tasks'),
  group: name.default('stoq'),
  /** Default: <hostname>-<pid>, one consumer per process. */
  consumer: name.optional(),
  results_stream: name.default('stoq:results'),
  /** Approximate cap of the results stream (XADD MAXLEN ~); 0 keeps everything. */
  results_maxlen: int(0).default(1_000_000),
  dead_letter_stream: name.default('stoq:dead-letter'),
  /** An entry pending this long without progress is claimed by another consumer. */
  claim_idle_ms: int(100).default(60_000),
  /** Deliveries after which an entry goes to the dead-letter stream instead of being scanned again. */
  max_deliveries: int(1).default(5),
  /** How long one XREADGROUP waits for new entries. */
  block_ms: int(1).default(2_000),
  /** Entries fetched per XREADGROUP/XAUTOCLAIM. */
  batch: int(1).default(10),
  /** Remove an entry from the task stream once acknowledged (its bytes are no longer needed). */
  delete_acked: z.boolean().default(true),
  connect_timeout_ms: int(1).default(10_000),
  /**
   * The longest a command may wait for Redis's reply, queued while reconnecting or sent to a
   * server that does not answer; it then fails (the entry is not acknowledged and comes back).
   * A blocking XREADGROUP may take block_ms more.
   */
  command_timeout_ms: int(100).default(10_000),
});

export type RedisOptions = z.infer<typeof RedisOptionsSchema>;

export interface ResolvedRedisOptions extends Omit<RedisOptions, 'redis_url' | 'consumer'> {
  redis_url: string;
  consumer: string;
}

export function resolveOptions(options: RedisOptions, env: NodeJS.ProcessEnv = process.env): ResolvedRedisOptions {
  return {
    ...options,
    redis_url: options.redis_url ?? (env['REDIS_URL'] || 'redis://127.0.0.1:6379'),
    consumer: options.consumer ?? `${hostname()}-${process.pid}`,
  };
}
