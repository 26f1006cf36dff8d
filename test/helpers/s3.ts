import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { freePort } from './redis.js';

export interface TestS3 {
  endpoint: string;
  /** Options for the s3 plugin pointing at this server. */
  pluginOpts: Record<string, unknown>;
  client: S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** An S3-compatible server (s3rver, from npm) on a free loopback port, storing under a temp dir. */
export async function startTestS3(): Promise<TestS3> {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'stoq-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true });
  await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return {
    endpoint,
    pluginOpts: { endpoint, force_path_style: true, access_key: 'S3RVER', secret_key: 'S3RVER' },
    client,
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    stop: async () => {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
