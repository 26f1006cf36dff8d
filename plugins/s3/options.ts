import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((v) => v || undefined)
  .optional();

/** The s3 plugin's options, with their defaults. */
export const S3OptionsSchema = z.object({
  /** Endpoint of an S3-compatible store (MinIO, Ceph RGW, s3rver...); unset means AWS. */
  endpoint: optionalText.pipe(z.url().optional()),
  region: z.string().trim().min(1).default('us-east-1'),
  /** Static credentials; unset means the AWS SDK's default chain (env, profile, instance role). */
  access_key: optionalText,
  secret_key: optionalText,
  /** Address buckets as https://host/bucket/key (most S3-compatible stores need this). */
  force_path_style: z.boolean().default(false),
  /** Bucket for payload bytes (destination archiver); also the default for tasks without `bucket`. */
  archive_bucket: optionalText,
  /** Bucket for results (connector), one JSON object per scan named after its scan_id. */
  connector_bucket: optionalText,
  /** Name archived objects by SHA-1 under a/b/c/d/e/ (content-addressed, so repeats are stored once); else by payload_id. */
  use_sha: z.boolean().default(true),
});
