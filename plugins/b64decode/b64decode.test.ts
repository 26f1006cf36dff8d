import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stoq, type StoqResponse } from 'rxstoq';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('b64decode plugin', () => {
  let stoq: Stoq;
  beforeAll(async () => {
    // hash runs on every payload, so the extracted bytes can be checked through its sha256.
    stoq = new Stoq({ alwaysDispatch: ['hash'], logLevel: 'silent' });
    await stoq.ready();
  });
  afterAll(() => stoq.close());

  const decode = (content: string | Buffer) => stoq.scan(content, { addStartDispatch: ['b64decode'] });

  /** The one payload b64decode extracted, found through its `extracted_by`. */
  const decodedChild = (response: StoqResponse) => {
    const children = response.results.filter((r) => r.extracted_by.includes('b64decode'));
    expect(children).toHaveLength(1);
    return children[0]!;
  };
  const decodedSha256 = (response: StoqResponse) => (decodedChild(response).workers['hash'] as { sha256: string }).sha256;

  it('extracts the decoded bytes and returns no results', async () => {
    const original = Buffer.from('This is a payload to base64 decode \x00\xff\x10', 'latin1');
    const response = await decode(original.toString('base64'));
    expect(response.errors).toEqual([]);
    expect(response.results[0]!.workers).not.toHaveProperty('b64decode');
    expect(response.results[0]!.plugins_run.workers).toContain('b64decode');
    expect(response.results).toHaveLength(2);
    const child = decodedChild(response);
    expect(child.size).toBe(original.length);
    expect(decodedSha256(response)).toBe(sha256(original));
    expect(child.payload_meta.extra_data).toEqual({});
  });

  it('tolerates line breaks and spaces, as in MIME bodies and PEM', async () => {
    const original = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 255));
    const wrapped = `${original.toString('base64').replace(/.{1,76}/g, '$&\r\n')}  \n`;
    const response = await decode(wrapped);
    expect(response.errors).toEqual([]);
    expect(decodedSha256(response)).toBe(sha256(original));
  });

  it('decodes unpadded input', async () => {
    const response = await decode(Buffer.from('hello!!').toString('base64').replace(/=+$/, ''));
    expect(response.errors).toEqual([]);
    expect(decodedSha256(response)).toBe(sha256(Buffer.from('hello!!')));
  });

  it.each([
    ['a character outside the alphabet', 'aGVsbG8*d29ybGQ=', /byte 0x2a at offset 7/],
    ['URL-safe characters', 'aGV-bG8_', /byte 0x2d at offset 3/],
    ['data after padding', 'aGk=aGk=', /after "=" padding/],
    ['a length that cannot be base64', 'aGVsb', /cannot encode whole bytes/],
    ['too much padding', 'aGk===', /do not pad/],
    ['nothing but whitespace', ' \n\t', /no base64 data/],
    ['binary data', '\x89PNG\r\n\x1a\n', /byte 0x89 at offset 0/],
  ])('rejects %s with a clear error and extracts nothing', async (_what, input, message) => {
    const response = await decode(Buffer.from(input, 'latin1'));
    expect(response.results).toHaveLength(1);
    expect(response.errors).toHaveLength(1);
    expect(response.errors[0]!.plugin_name).toBe('b64decode');
    expect(response.errors[0]!.error).toMatch(message);
  });

  it('is listed as a worker', async () => {
    expect((await stoq.listPlugins())['b64decode']?.classes).toEqual(['Worker']);
  });
});
