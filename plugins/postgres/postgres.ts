import { hostname } from 'node:os';
import pg from 'pg';
import { ConnectorPlugin, type CallContext, type StoqResponse } from 'rxstoq';
import { Batcher } from './batcher.js';
import { MIGRATION_TIMEOUT_MS, migrate } from './migrations.js';
import { PostgresOptionsSchema, redactUrl } from './options.js';
import { isUuid, responseRows, type ResponseRows } from './rows.js';
import { writeBatch } from './write-batch.js';

/** SQLSTATEs and socket errors worth another try while PostgreSQL is starting or unreachable. */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P03', '53300']);

/**
 * Connector: every response into PostgreSQL tables one can query (responses, payloads,
 * worker_results), batched, each batch in one transaction. save() settles only once its batch
 * committed (or failed), so a queue entry is acknowledged only for a stored response.
 */
export class PostgresPlugin extends ConnectorPlugin<typeof PostgresOptionsSchema> {
  static override optionsSchema = PostgresOptionsSchema;

  #pool: pg.Pool | undefined;
  #batcher: Batcher<ResponseRows> | undefined;

  /** Seen by PostgreSQL as the connections' application_name (pg_stat_activity). */
  readonly applicationName = `rxstoq-postgres:${hostname()}:${process.pid}`;

  get pool(): pg.Pool {
    if (!this.#pool) throw new Error('postgres: the connector is not set up (setup() was not called or close() was)');
    return this.#pool;
  }

  /** Connects (retrying while the server is unreachable, within connect_timeout_ms) and migrates the schema. */
  override async setup(): Promise<void> {
    const o = this.options;
    const pool = new pg.Pool({
      connectionString: o.url,
      application_name: this.applicationName,
      connectionTimeoutMillis: o.connect_timeout_ms,
      statement_timeout: o.statement_timeout_ms,
      max: 4,
    });
    // An idle connection that breaks (server restart, terminated backend) is dropped by the pool;
    // without a listener the error would end the process.
    pool.on('error', (err) => this.log.warn({ err }, `postgres: idle connection lost: ${err.message}`));
    try {
      const applied = await this.#migrateWithRetries(pool);
      if (applied.length > 0) this.log.info({ schema: o.schema, applied }, `postgres: schema ${o.schema} migrated`);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    this.#pool = pool;
    this.#batcher = new Batcher(
      async (batch) => {
        const client = await pool.connect();
        // A checked-out connection that breaks (terminated backend) emits 'error' besides failing
        // its query; unheard, that event would end the process.
        const onError = (err: Error) => this.log.warn({ err }, `postgres: connection lost mid-batch: ${err.message}`);
        client.on('error', onError);
        try {
          await writeBatch(client, o.schema, batch);
          client.off('error', onError);
          client.release();
        } catch (err) {
          // A connection whose transaction failed may be broken: do not give it back.
          client.off('error', onError);
          client.release(err as Error);
          throw err;
        }
      },
      o.batch_size,
      o.batch_delay_ms,
      o.max_buffered,
    );
  }

  async #migrateWithRetries(pool: pg.Pool): Promise<number[]> {
    const o = this.options;
    const deadline = Date.now() + o.connect_timeout_ms;
    let wait = 50;
    let attempts = 0;
    for (;;) {
      attempts++;
      let client: pg.PoolClient | undefined;
      try {
        client = await pool.connect();
        return await migrate(client, o.schema, Math.max(o.statement_timeout_ms, MIGRATION_TIMEOUT_MS));
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        const timedOut = /timeout/i.test((err as Error).message);
        const left = deadline - Date.now();
        if (!(TRANSIENT.has(code) || (timedOut && !client)) || left <= 0) {
          throw new Error(
            `postgres: cannot use PostgreSQL at ${redactUrl(o.url)} (${attempts} attempt${attempts > 1 ? 's' : ''} in ${o.connect_timeout_ms} ms): ${(err as Error).message}`,
            { cause: err },
          );
        }
        await new Promise((r) => setTimeout(r, Math.min(wait, left)));
        wait = Math.min(wait * 2, 1000);
      } finally {
        client?.release();
      }
    }
  }

  /**
   * Resolves once the batch holding this response committed; rejects if it failed (the entry is
   * then not acknowledged and comes back) or the context's signal aborted the wait.
   */
  async save(response: StoqResponse, context?: CallContext): Promise<void> {
    const batcher = this.#batcher;
    if (!batcher) throw new Error('postgres: the connector is not set up (setup() was not called or close() was)');
    // Checked here, not by the database: a bad scan_id would otherwise fail the whole batch.
    if (!isUuid(response.scan_id)) throw new Error(`postgres: scan_id ${JSON.stringify(response.scan_id)} is not a UUID; not saved`);
    await batcher.add(responseRows(response), context?.signal);
  }

  /** Writes what is buffered, then ends the pool. */
  override async close(): Promise<void> {
    const batcher = this.#batcher;
    const pool = this.#pool;
    this.#batcher = undefined;
    this.#pool = undefined;
    await batcher?.close();
    await pool?.end();
  }
}
