import pg from 'pg';
import type { PoolClient } from 'pg';
import type { ResponseRows } from './rows.js';

/** PostgreSQL allows 65535 parameters per statement; stay well under it. */
const MAX_PARAMS = 30_000;

interface Table<R> {
  name: string;
  columns: string[];
  /** Cast of each column's parameter ('' for none). */
  casts: string[];
  conflict: string;
  values: (row: R) => unknown[];
}

/**
 * Writes the rows of a batch of responses in ONE transaction: multi-row INSERTs with every value a
 * parameter. A response already stored (the same scan_id, saved again on redelivery) is skipped
 * with its payloads and results, so it is never stored twice.
 */
export async function writeBatch(client: PoolClient, schema: string, batch: ResponseRows[]): Promise<void> {
  const s = pg.escapeIdentifier(schema);
  await client.query('BEGIN');
  try {
    const fresh = await insert(
      client,
      s,
      RESPONSES,
      batch.map((b) => b.response),
      'scan_id',
    );
    // Rows of responses stored before (by an earlier delivery) are already there: not written again.
    // (RETURNING gives the uuid in PostgreSQL's lower-case form.)
    const keep = batch.filter((b) => fresh.delete(b.response.scan_id.toLowerCase()));
    await insert(
      client,
      s,
      PAYLOADS,
      keep.flatMap((b) => b.payloads),
    );
    await insert(
      client,
      s,
      WORKER_RESULTS,
      keep.flatMap((b) => b.workerResults),
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function insert<R>(client: PoolClient, s: string, table: Table<R>, rows: R[], returning?: string): Promise<Set<string>> {
  const inserted = new Set<string>();
  const perRow = table.columns.length;
  const chunk = Math.max(1, Math.floor(MAX_PARAMS / perRow));
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk);
    const params: unknown[] = [];
    const tuples = part.map((row) => {
      const values = table.values(row);
      const placeholders = values.map((v, i) => {
        params.push(v);
        return `$${params.length}${table.casts[i]}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    const sql =
      `INSERT INTO ${s}.${table.name} (${table.columns.join(', ')}) VALUES ${tuples.join(', ')} ` +
      `ON CONFLICT (${table.conflict}) DO NOTHING${returning ? ` RETURNING ${returning}` : ''}`;
    const result = await client.query<Record<string, string>>(sql, params);
    if (returning) for (const r of result.rows) inserted.add(String(r[returning]));
  }
  return inserted;
}

const RESPONSES: Table<ResponseRows['response']> = {
  name: 'responses',
  columns: ['scan_id', 'time', 'request_meta', 'errors', 'response'],
  casts: ['::uuid', '::timestamptz', '::jsonb', '::jsonb', '::jsonb'],
  conflict: 'scan_id',
  values: (r) => [r.scan_id, r.time, r.request_meta, r.errors, r.response],
};

const PAYLOADS: Table<ResponseRows['payloads'][number]> = {
  name: 'payloads',
  columns: ['scan_id', 'payload_id', 'sha256', 'md5', 'sha1', 'size', 'filename', 'mimetype', 'extracted_from', 'extracted_by', 'depth'],
  casts: ['::uuid', '', '', '', '', '::bigint', '', '', '::text[]', '::text[]', '::integer'],
  conflict: 'scan_id, payload_id',
  values: (p) => [p.scan_id, p.payload_id, p.sha256, p.md5, p.sha1, p.size, p.filename, p.mimetype, p.extracted_from, p.extracted_by, p.depth],
};

const WORKER_RESULTS: Table<ResponseRows['workerResults'][number]> = {
  name: 'worker_results',
  columns: ['scan_id', 'payload_id', 'plugin', 'result'],
  casts: ['::uuid', '', '', '::jsonb'],
  conflict: 'scan_id, payload_id, plugin',
  values: (w) => [w.scan_id, w.payload_id, w.plugin, w.result],
};
