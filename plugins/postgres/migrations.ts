import type { PoolClient } from 'pg';
import pg from 'pg';

/** One step of the schema; `sql(schema)` gets the schema name already quoted. Never edit a shipped step: add one. */
interface Migration {
  version: number;
  description: string;
  sql: (s: string) => string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'responses, payloads, worker_results',
    sql: (s) => `
      CREATE TABLE ${s}.responses (
        scan_id uuid PRIMARY KEY,
        time timestamptz NOT NULL,
        request_meta jsonb NOT NULL,
        errors jsonb NOT NULL,
        response jsonb NOT NULL
      );
      CREATE INDEX responses_time_idx ON ${s}.responses (time);
      CREATE TABLE ${s}.payloads (
        scan_id uuid NOT NULL REFERENCES ${s}.responses (scan_id) ON DELETE CASCADE,
        payload_id text NOT NULL,
        sha256 text,
        md5 text,
        sha1 text,
        size bigint NOT NULL,
        filename text,
        mimetype text,
        extracted_from text[] NOT NULL,
        extracted_by text[] NOT NULL,
        depth integer NOT NULL,
        PRIMARY KEY (scan_id, payload_id)
      );
      CREATE INDEX payloads_sha256_idx ON ${s}.payloads (sha256);
      CREATE INDEX payloads_md5_idx ON ${s}.payloads (md5);
      CREATE INDEX payloads_sha1_idx ON ${s}.payloads (sha1);
      CREATE TABLE ${s}.worker_results (
        scan_id uuid NOT NULL,
        payload_id text NOT NULL,
        plugin text NOT NULL,
        result jsonb NOT NULL,
        PRIMARY KEY (scan_id, payload_id, plugin),
        FOREIGN KEY (scan_id, payload_id) REFERENCES ${s}.payloads (scan_id, payload_id) ON DELETE CASCADE
      );
      CREATE INDEX worker_results_result_idx ON ${s}.worker_results USING gin (result jsonb_path_ops);
      CREATE INDEX worker_results_plugin_idx ON ${s}.worker_results (plugin);
    `,
  },
];

/** The least statement_timeout migrations run with. */
export const MIGRATION_TIMEOUT_MS = 60_000;

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings `schema` up to the latest version in one transaction. The transaction-scoped advisory
 * lock (keyed by the schema name) makes workers starting together wait for each other: the first
 * applies the steps, the others then find them recorded and apply nothing. Returns the versions
 * this call applied.
 */
export async function migrate(client: PoolClient, schema: string, timeoutMs = MIGRATION_TIMEOUT_MS): Promise<number[]> {
  const s = pg.escapeIdentifier(schema);
  await client.query('BEGIN');
  try {
    // Waiting for another worker's migration, or migrating a big table, may take longer than a
    // batch's statement_timeout should; the setting ends with the transaction.
    await client.query(`SET LOCAL statement_timeout = ${Math.trunc(timeoutMs)}`);
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`rxstoq.postgres.migrations:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const done = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...done);
    if (newest > LATEST_VERSION) {
      throw new Error(`postgres: schema ${schema} is at version ${newest}, newer than this plugin knows (${LATEST_VERSION}); upgrade rxstoq`);
    }
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql(s));
      await client.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [m.version]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
