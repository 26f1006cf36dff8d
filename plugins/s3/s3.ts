import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException, type PutObjectCommandOutput } from '@aws-sdk/client-s3';
import { ArchiverPlugin, ArchiverResponse, Payload, type CallContext, type Request, type StoqResponse } from 'rxstoq';
import { z } from 'zod';
import { buildQuietly } from './node-support-warning.js';
import { S3OptionsSchema } from './options.js';

/** What `get()` accepts: the `{bucket, path}` that `archive()` returned (bucket defaults to archive_bucket). */
const TaskSchema = z.object({ bucket: z.string().min(1).optional(), path: z.string().min(1) });

/**
 * Payload bytes and results on S3 (or any S3-compatible store).
 *
 * - destination archiver: stores the payload, returns `{bucket, path}`;
 * - source archiver: `get({bucket, path})` reads it back (how queue entries carry large payloads by reference);
 * - connector: stores each response as `<scan_id>` in `connector_bucket`.
 *
 * A put counts only once the store confirmed it (a 2xx reply carrying the object's ETag): a save
 * that was not confirmed fails, so the queue entry it came from is not acknowledged.
 */
export class S3Plugin extends ArchiverPlugin<typeof S3OptionsSchema> {
  static override optionsSchema = S3OptionsSchema;
  #client: S3Client | undefined;

  get client(): S3Client {
    if (!this.#client) {
      const s = this.options;
      this.#client = buildQuietly(
        this.log,
        () =>
          new S3Client({
            region: s.region,
            endpoint: s.endpoint,
            forcePathStyle: s.force_path_style,
            credentials: s.access_key && s.secret_key ? { accessKeyId: s.access_key, secretAccessKey: s.secret_key } : undefined,
          }),
      );
    }
    return this.#client;
  }

  override async archive(payload: Payload, _request: Request, ctx: CallContext): Promise<ArchiverResponse> {
    const bucket = this.#bucket('archive_bucket', 'archive payloads');
    const path = this.options.use_sha ? shardedSha1(payload.content) : payload.payload_id;
    await this.#put(`put s3://${bucket}/${path}`, () =>
      this.client.send(new PutObjectCommand({ Bucket: bucket, Key: path, Body: payload.content, ContentLength: payload.content.byteLength }), {
        abortSignal: ctx.signal,
      }),
    );
    return new ArchiverResponse({ results: { bucket, path } });
  }

  override async get(task: ArchiverResponse, ctx: CallContext): Promise<Payload> {
    const parsed = TaskSchema.safeParse(task.results ?? {});
    if (!parsed.success) {
      throw new Error(
        `s3 task must be {bucket?, path}, got ${JSON.stringify(task.results)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const bucket = parsed.data.bucket ?? this.#bucket('archive_bucket', 'fetch a task without "bucket"');
    const { path } = parsed.data;
    const bytes = await this.#call(`get s3://${bucket}/${path}`, async () => {
      const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: path }), { abortSignal: ctx.signal });
      if (!res.Body) throw new Error('the response has no body');
      return res.Body.transformToByteArray();
    });
    return new Payload(bytes);
  }

  async save(response: StoqResponse, ctx?: CallContext): Promise<void> {
    const bucket = this.#bucket('connector_bucket', 'save results');
    const body = JSON.stringify(response);
    await this.#put(`put s3://${bucket}/${response.scan_id}`, () =>
      this.client.send(new PutObjectCommand({ Bucket: bucket, Key: response.scan_id, Body: body, ContentType: 'application/json' }), {
        abortSignal: ctx?.signal,
      }),
    );
  }

  override async close(): Promise<void> {
    this.#client?.destroy();
    this.#client = undefined;
  }

  #bucket(option: 'archive_bucket' | 'connector_bucket', purpose: string): string {
    const bucket = this.options[option];
    if (!bucket) throw new Error(`s3: set the ${option} option to ${purpose}`);
    return bucket;
  }

  /** A PutObject, accepted only with the store's confirmation: a 2xx status and the object's ETag. */
  async #put(what: string, op: () => Promise<PutObjectCommandOutput>): Promise<void> {
    const out = await this.#call(what, op);
    const status = out.$metadata.httpStatusCode;
    if (status === undefined || status < 200 || status > 299 || !out.ETag) {
      throw new Error(`s3: cannot ${what}: the store did not confirm it (HTTP ${status ?? '?'}, ETag ${out.ETag ? JSON.stringify(out.ETag) : 'missing'})`);
    }
  }

  /** S3 errors become one line naming the operation, object and S3's error code. */
  async #call<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const e = err as Error;
      const code = err instanceof S3ServiceException ? `${err.name} (HTTP ${err.$metadata.httpStatusCode ?? '?'})` : e.name;
      throw new Error(`s3: cannot ${what}: ${code}: ${e.message}`, { cause: err });
    }
  }
}

/** `a/b/c/d/e/<sha1>`: the first five hex digits as folders, so no folder grows huge (upstream's layout). */
function shardedSha1(content: Uint8Array): string {
  const sha1 = createHash('sha1').update(content).digest('hex');
  return `${sha1.slice(0, 5).split('').join('/')}/${sha1}`;
}
