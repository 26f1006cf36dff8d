/**
 * Port of upstream stoQ v3 `stoq/tests/test_core.py`: data classes as text and
 * sub-response reconstruction (tests 53-61).
 */
import { describe, expect, it } from 'vitest';
import { ArchiverResponse, DecoratorResponse, DispatcherResponse, Payload, PayloadMeta, Request, RequestMeta, StoqResponse, WorkerResponse } from 'rxstoq';
import { GENERIC_CONTENT, makeStoq } from './support.js';

/** `str(x)` upstream: indented JSON text that parses back to an object. */
function expectJsonObjectText(value: { toString(): string }) {
  const text = String(value);
  expect(typeof text).toBe('string');
  expect(text).toContain('\n    "');
  const parsed = JSON.parse(text) as unknown;
  expect(parsed).toBeTypeOf('object');
  expect(Array.isArray(parsed)).toBe(false);
  expect(parsed).not.toBeNull();
  return parsed as Record<string, unknown>;
}

describe('core data classes (upstream test_core.py)', () => {
  it('53 test_stoqresponse_to_str', () => {
    const parsed = expectJsonObjectText(new StoqResponse({ request: new Request() }));
    expect(Object.keys(parsed)).toEqual(['results', 'request_meta', 'errors', 'time', 'decorators', 'scan_id']);
  });

  it('54 test_payloadmeta_to_str', () => {
    expect(expectJsonObjectText(new PayloadMeta())).toEqual({ should_archive: true, should_scan: true, extra_data: {}, dispatch_to: [] });
  });

  it('55 test_requestmeta_to_str', () => {
    expect(expectJsonObjectText(new RequestMeta())).toEqual({ archive_payloads: true, source: null, extra_data: {} });
  });

  it('56 test_payloadresults_to_str', () => {
    const parsed = expectJsonObjectText(new Payload(GENERIC_CONTENT).results);
    expect(Object.keys(parsed)).toEqual(['size', 'payload_id', 'payload_meta', 'plugins_run', 'extracted_from', 'extracted_by', 'workers', 'archivers']);
    expect(parsed['size']).toBe(19);
  });

  it('57 test_workerresponse_to_str', () => {
    expect(Object.keys(expectJsonObjectText(new WorkerResponse()))).toEqual(['results', 'extracted', 'errors', 'dispatch_to']);
  });

  it('58 test_archiverresponse_to_str', () => {
    expect(expectJsonObjectText(new ArchiverResponse())).toEqual({ results: null, errors: [] });
  });

  it('59 test_dispatcherresponse_to_str', () => {
    expect(expectJsonObjectText(new DispatcherResponse())).toEqual({ plugin_names: [], meta: {}, errors: [] });
  });

  it('60 test_decoratorresponse_to_str', () => {
    expect(expectJsonObjectText(new DecoratorResponse())).toEqual({ results: null, errors: [] });
  });

  it('61 test_reconstruct_all_subresponses', async () => {
    // A.zip → {B.txt, C.zip → D.txt}
    const a = new Payload(GENERIC_CONTENT, undefined, { payloadId: 'A.zip' });
    const b = new Payload(GENERIC_CONTENT, undefined, { payloadId: 'B.txt', extractedFrom: 'A.zip', extractedBy: 'fake' });
    const c = new Payload(GENERIC_CONTENT, undefined, { payloadId: 'C.zip', extractedFrom: 'A.zip', extractedBy: 'fake' });
    const d = new Payload(GENERIC_CONTENT, undefined, { payloadId: 'D.txt', extractedFrom: 'C.zip', extractedBy: 'fake' });
    const payloads = [a, b, c, d];
    payloads.forEach((p, i) => {
      p.results.workers['fake'] = `result-${i + 1}`;
      p.results.plugins_run.workers.push('fake');
    });
    const request = new Request({ payloads, request_meta: new RequestMeta({ extra_data: { check: 'me' } }) });
    const initial = new StoqResponse({ request });

    const s = await makeStoq({ decorators: ['simple_decorator'] });
    const subs: StoqResponse[] = [];
    for await (const sub of s.reconstructAllSubresponses(initial)) subs.push(sub);

    expect(subs).toHaveLength(4);
    expect(subs.map((r) => r.results.length)).toEqual([4, 1, 2, 1]);
    expect(subs.map((r) => r.results[0]!.workers['fake'])).toEqual(['result-1', 'result-2', 'result-3', 'result-4']);
    expect(subs.map((r) => r.results.map((x) => x.payload_id))).toEqual([['A.zip', 'B.txt', 'C.zip', 'D.txt'], ['B.txt'], ['C.zip', 'D.txt'], ['D.txt']]);
    for (const sub of subs) {
      expect(sub.decorators).toHaveProperty('simple_decorator');
      expect(sub.request_meta.extra_data).toEqual({ check: 'me' });
      expect(sub.time).toBe(initial.time);
    }
    expect(new Set(subs.map((r) => r.scan_id))).toEqual(new Set([initial.scan_id]));
  });
});
