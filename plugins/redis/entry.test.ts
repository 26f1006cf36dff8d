import fc from 'fast-check';
import { PayloadMeta, RequestMeta } from 'rxstoq';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry } from './entry.js';

/** XADD's flat field list as the Map a consumer reads back (values as Buffers, like xreadgroupBuffer). */
function asRead(fields: Array<string | Buffer>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let i = 0; i < fields.length; i += 2)
    out.set(String(fields[i]), Buffer.isBuffer(fields[i + 1]) ? (fields[i + 1] as Buffer) : Buffer.from(String(fields[i + 1])));
  return out;
}

const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const key = fc.string({ minLength: 1 }).filter((k) => k !== '__proto__');
const extra = fc.dictionary(key, json, { maxKeys: 4 });

describe('task stream entry format', () => {
  it('round-trips any bytes and metadata through encode/decode', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.record({ should_archive: fc.boolean(), should_scan: fc.boolean(), extra_data: extra, dispatch_to: fc.array(fc.string(), { maxLength: 3 }) }),
        fc.record({ archive_payloads: fc.boolean(), source: fc.option(fc.string(), { nil: null }), extra_data: extra }),
        (bytes, pm, rm) => {
          const decoded = decodeEntry(asRead(encodeEntry({ content: bytes }, new PayloadMeta(pm), new RequestMeta(rm))));
          expect(decoded.ok).toBe(true);
          if (!decoded.ok || decoded.entry.kind !== 'payload') throw new Error('expected a payload entry');
          expect(Buffer.compare(decoded.entry.content, Buffer.from(bytes))).toBe(0);
          expect(decoded.entry.payload_meta).toEqual(pm);
          if (new RequestMeta(rm).isDefault()) expect(decoded.entry.request_meta).toBeUndefined();
          else expect(decoded.entry.request_meta).toEqual(rm);
        },
      ),
    );
  });

  it('encodes a task entry and leaves default metadata out', () => {
    const fields = encodeEntry({ task: { s3: { bucket: 'b', path: 'p' } } }, undefined, new RequestMeta());
    expect(fields.map(String)).toEqual(['v', '1', 'task', '{"s3":{"bucket":"b","path":"p"}}']);
    expect(decodeEntry(asRead(fields))).toEqual({ ok: true, entry: { kind: 'task', task: { s3: { bucket: 'b', path: 'p' } } } });
  });

  it('accepts a hand-written entry without a version field', () => {
    expect(decodeEntry(asRead(['content', 'hello']))).toMatchObject({ ok: true, entry: { kind: 'payload' } });
  });

  it.each([
    [[], /exactly one of the fields "content" or "task"/],
    [['content', 'x', 'task', '{"s3":{}}'], /exactly one of the fields/],
    [['task', '[]'], /field "task" is invalid/],
    [['task', '{"s3":"path"}'], /field "task" is invalid: s3/],
    [['content', 'x', 'request_meta', '{"source":5}'], /field "request_meta" is invalid: source/],
    [['content', 'x', 'payload_meta', '{"extra":{}}'], /field "payload_meta" is invalid: .*extra/],
  ] as Array<[string[], RegExp]>)('rejects %j', (fields, error) => {
    const decoded = decodeEntry(asRead(fields));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error).toMatch(error);
  });

  it('refuses to encode a task that names no archiver or several', () => {
    expect(() => encodeEntry({ task: {} })).toThrow(/exactly one source archiver/);
    expect(() => encodeEntry({ task: { a: {}, b: {} } })).toThrow(/exactly one source archiver/);
  });
});
