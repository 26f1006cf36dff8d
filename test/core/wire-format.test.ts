import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { Payload, PayloadMeta, Request, RequestMeta, Stoq, StoqError, StoqResponse, responseJsonSchema } from 'rxstoq';

const schema = JSON.parse(readFileSync(new URL('../../schema/stoq-response.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

describe('wire format', () => {
  it('keeps upstream v3 key order at every level', async () => {
    const s = new Stoq({ alwaysDispatch: ['hash'], logLevel: 'silent' });
    const r = await s.scan('The quick brown fox');
    const j = JSON.parse(JSON.stringify(r));
    expect(Object.keys(j)).toEqual(['results', 'request_meta', 'errors', 'time', 'decorators', 'scan_id']);
    expect(Object.keys(j.results[0])).toEqual(['size', 'payload_id', 'payload_meta', 'plugins_run', 'extracted_from', 'extracted_by', 'workers', 'archivers']);
    expect(Object.keys(j.results[0].payload_meta)).toEqual(['should_archive', 'should_scan', 'extra_data', 'dispatch_to']);
    expect(Object.keys(j.results[0].plugins_run)).toEqual(['workers', 'archivers']);
    expect(Object.keys(j.request_meta)).toEqual(['archive_payloads', 'source', 'extra_data']);
    expect(Object.keys(j.results[0].workers.hash)).toEqual(['sha256', 'md5', 'sha1']);
    expect(j.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    expect(j.results[0].size).toBe(19);
  });

  it('normalises plain-string errors and serialises bytes as text', () => {
    const request = new Request({ payloads: [new Payload('x')], errors: ['plain'] });
    request.payloads[0]!.results.workers['w'] = { raw: Buffer.from('hi\xe7\x8c\xab', 'latin1'), set: new Set([1, 2]) };
    const j = JSON.parse(JSON.stringify(new StoqResponse({ request })));
    expect(j.errors).toEqual([{ error: 'plain', plugin_name: null, payload_id: null }]);
    expect(j.results[0].workers.w).toEqual({ raw: 'hi猫', set: [1, 2] });
  });

  it('real responses validate against the shipped JSON Schema', async () => {
    const s = new Stoq({ alwaysDispatch: ['hash'], logLevel: 'silent' });
    const r = await s.scan(Buffer.from([0, 1, 2, 255]), {
      payloadMeta: new PayloadMeta({ extra_data: { filename: 'x.bin' } }),
      requestMeta: new RequestMeta({ source: 'test', extra_data: { a: 1 } }),
      addStartDispatch: ['no_such_plugin'],
    });
    expect(r.errors.length).toBe(1);
    const ok = validate(JSON.parse(JSON.stringify(r)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the JSON Schema rejects a response of the wrong shape', () => {
    expect(validate({ results: [], request_meta: {}, errors: [], time: 'yesterday', decorators: {}, scan_id: 'x' })).toBe(false);
    expect(validate({ results: [{ size: -1 }] })).toBe(false);
  });

  it('the shipped schema file is the one the zod schema generates', () => {
    const { $id: _id, ...shipped } = schema;
    expect(shipped).toEqual(JSON.parse(JSON.stringify(responseJsonSchema())));
  });

  it('errors are StoqError instances with the stable fields', () => {
    const e = StoqError.from({ error: 'boom', plugin_name: 'p', payload_id: 'id', code: 'X' });
    expect(JSON.parse(JSON.stringify(e))).toEqual({ error: 'boom', plugin_name: 'p', payload_id: 'id', code: 'X' });
  });
});
