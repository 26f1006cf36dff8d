import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ArchiverResponse, Payload, PayloadMeta, Request, RequestMeta, Stoq, StoqResponse } from 'rxstoq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestS3, type TestS3 } from '../../test/helpers/s3.js';
import { tempDir } from '../../test/helpers/tmp.js';
import type { S3Plugin } from './s3.js';

let s3: TestS3;
const open: Stoq[] = [];
const ctx = () => ({ signal: new AbortController().signal, log: undefined as never });

beforeAll(async () => {
  s3 = await startTestS3();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await s3?.stop();
});

async function bucket(): Promise<string> {
  const name = `stoq-${randomBytes(4).toString('hex')}`;
  await s3.createBucket(name);
  return name;
}

async function makeStoq(opts: Record<string, unknown>, options: ConstructorParameters<typeof Stoq>[0] = {}): Promise<Stoq> {
  const stoq = new Stoq({ baseDir: tempDir(), env: {}, logLevel: 'silent', ...options, pluginOpts: { s3: { ...s3.pluginOpts, ...opts } } });
  open.push(stoq);
  await stoq.ready();
  return stoq;
}

const plugin = async (stoq: Stoq) => (await stoq.loadPlugin('s3', 'archiver')) as S3Plugin;

async function objectBytes(b: string, key: string): Promise<Buffer> {
  const res = await s3.client.send(new GetObjectCommand({ Bucket: b, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

describe('s3 archiver and connector against an S3-compatible server (s3rver)', () => {
  it('archives all 256 byte values under a/b/c/d/e/<sha1> and gets them back unchanged', async () => {
    const b = await bucket();
    const s = await plugin(await makeStoq({ archive_bucket: b }));
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const archived = await s.archive(new Payload(bytes), new Request(), ctx());
    const sha1 = createHash('sha1').update(bytes).digest('hex');
    expect(archived.results).toEqual({ bucket: b, path: `${sha1[0]}/${sha1[1]}/${sha1[2]}/${sha1[3]}/${sha1[4]}/${sha1}` });
    expect(Buffer.compare(await objectBytes(b, archived.results!['path'] as string), bytes)).toBe(0);

    const back = await s.get(new ArchiverResponse({ results: archived.results }), ctx());
    expect(Buffer.compare(back.content, bytes)).toBe(0);
    // The bucket may be left out of a task: archive_bucket is the default.
    const again = await s.get(new ArchiverResponse({ results: { path: archived.results!['path'] } }), ctx());
    expect(Buffer.compare(again.content, bytes)).toBe(0);
  });

  it('names objects by payload_id when use_sha is false', async () => {
    const b = await bucket();
    const s = await plugin(await makeStoq({ archive_bucket: b, use_sha: 'false' }));
    const payload = new Payload('by id');
    const archived = await s.archive(payload, new Request(), ctx());
    expect(archived.results).toEqual({ bucket: b, path: payload.payload_id });
    expect((await objectBytes(b, payload.payload_id)).toString()).toBe('by id');
  });

  it('archives scanned payloads as a destination archiver through the engine', async () => {
    const b = await bucket();
    const stoq = await makeStoq({ archive_bucket: b }, { destArchivers: ['s3'] });
    const response = await stoq.scan(Buffer.from('archive me'), { payloadMeta: new PayloadMeta(), requestMeta: new RequestMeta({ archive_payloads: true }) });
    expect(response.errors).toEqual([]);
    const where = response.results[0]!.archivers['s3'] as { bucket: string; path: string };
    expect(where.bucket).toBe(b);
    expect((await objectBytes(b, where.path)).toString()).toBe('archive me');
  });

  it('saves each response as <scan_id> in connector_bucket', async () => {
    const b = await bucket();
    const s = await plugin(await makeStoq({ connector_bucket: b }));
    const response = new StoqResponse({ request_meta: new RequestMeta({ source: 's3-test' }) });
    // No call context: a response saved by hand, as upstream's `connector.save(response)`.
    await s.save(response);
    expect(JSON.parse((await objectBytes(b, response.scan_id)).toString())).toEqual(JSON.parse(JSON.stringify(response)));
  });

  it('reports a missing object, a bad task and a missing bucket option clearly', async () => {
    const b = await bucket();
    const s = await plugin(await makeStoq({ archive_bucket: b }));
    await expect(s.get(new ArchiverResponse({ results: { bucket: b, path: 'no/such/key' } }), ctx())).rejects.toThrow(
      new RegExp(`^s3: cannot get s3://${b}/no/such/key: NoSuchKey \\(HTTP 404\\)`),
    );
    await expect(s.get(new ArchiverResponse({ results: { key: 'x' } }), ctx())).rejects.toThrow(/s3 task must be \{bucket\?, path\}.*path/);
    await expect(s.save(new StoqResponse({}), ctx())).rejects.toThrow('s3: set the connector_bucket option to save results');
    await expect(makeStoq({ endpoint: 'not a url' }).then((st) => st.loadPlugin('s3'))).rejects.toThrow(/s3.*invalid options.*endpoint/);
  });
});
