import { z } from 'rxstoq';

const int = (min: number) => z.number().int().min(min);

/** The postgres connector's options, with their defaults. */
export const PostgresOptionsSchema = z.object({
  /** postgres://[user[:password]@]host[:port]/database; the database must exist. */
  url: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .default('postgres://postgres@127.0.0.1:5432/stoq'),
  /**
   * Schema holding the tables; created if missing. An identifier, never spliced unchecked: lower
   * case letters, digits and underscores only.
   */
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (a-z, 0-9, _; at most 63)')
    .default('stoq'),
  /** Responses written per transaction. */
  batch_size: int(1).default(50),
  /** How long the first response of a batch waits for others before the batch is written. */
  batch_delay_ms: int(0).default(20),
  /** Responses buffered or being written at most; save() waits for room beyond that. */
  max_buffered: int(1).default(1000),
  /** Bound on connecting at setup (all retries together) and on each new connection later. */
  connect_timeout_ms: int(100).default(10_000),
  /** Server-side bound on every statement (PostgreSQL's statement_timeout). */
  statement_timeout_ms: int(100).default(30_000),
});

export type PostgresOptions = z.infer<typeof PostgresOptionsSchema>;

/** The URL as it may be shown: any password replaced by ***. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}
