import { hash } from 'node:crypto';

// One-shot hashing: for the small payloads that dominate real corpora, a Hash object per digest
// cost more than the digest itself.
const digest = (algo: string) => (content: Uint8Array | string) => hash(algo, content, 'hex');

export const getMd5 = digest('md5');
export const getSha1 = digest('sha1');
export const getSha256 = digest('sha256');
export const getSha512 = digest('sha512');

/** Upstream's `merge_dicts`: append each list of `b` to the list of the same key in `a`. */
export function mergeDicts<T>(a: Record<string, T[]>, b: Record<string, T[]>): Record<string, T[]> {
  for (const [k, v] of Object.entries(b)) (a[k] ??= []).push(...v);
  return a;
}
