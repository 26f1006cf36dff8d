/**
 * Port of upstream stoQ v3 `stoq/tests/test_helpers.py`, 8 tests.
 */
import { describe, expect, it } from 'vitest';
import { dumps, getMd5, getSha1, getSha256, getSha512, mergeDicts } from 'rxstoq';
import { GENERIC_CONTENT } from './support.js';

class ClassWithAttrs {
  a = 1;
}

describe('helpers (upstream test_helpers.py)', () => {
  it('test_dumps_types', () => {
    const cases: Array<[unknown, string]> = [
      [[1, 2, 3], '[1,2,3]'],
      [{ a: 1, b: 2 }, '{"a":1,"b":2}'],
      [new Set([1, 2, 3]), '[1,2,3]'],
      [Buffer.from('somebytes'), '"somebytes"'],
      [new ClassWithAttrs(), '{"a":1}'],
    ];
    for (const [value, compact] of cases) {
      const text = dumps(value);
      expect(typeof text).toBe('string');
      expect(text.length).toBeGreaterThan(0);
      expect(dumps(value, { compactly: true })).toBe(compact);
    }
    const now = new Date();
    const text = dumps(now);
    expect(text.length).toBeGreaterThan(0);
    expect(new Date(JSON.parse(text) as string).getTime()).toBe(now.getTime());
  });

  it('test_dumps_unicode', () => {
    // Upstream's compact form was Python's '{"key": "value"}'; ours is JSON.stringify's.
    expect(dumps({ key: Buffer.from('value') }, { compactly: true })).toBe('{"key":"value"}');
    expect(dumps({ key: Buffer.from([0x68, 0x69, 0xe7, 0x8c, 0xab]) }, { compactly: true })).toBe('{"key":"hi猫"}');
  });

  it('test_dumps_compactly', () => {
    // Upstream: '{"a": 1, "b": 2}' (Python separators); the port emits JS-compact JSON.
    expect(dumps({ a: 1, b: 2 }, { compactly: true })).toBe('{"a":1,"b":2}');
    expect(dumps({ a: 1, b: 2 })).toBe('{\n    "a": 1,\n    "b": 2\n}');
  });

  it('test_dict_merge', () => {
    const d1 = { testkey: ['test value'], anotherkey: ['another value'] };
    const d2 = { testkey: ['merged test value'], anotherkey: ['merged another value'] };
    expect(mergeDicts(d1, d2)).toEqual({
      testkey: ['test value', 'merged test value'],
      anotherkey: ['another value', 'merged another value'],
    });
  });

  it('test_get_md5', () => {
    expect(getMd5(GENERIC_CONTENT)).toBe('a2004f37730b9445670a738fa0fc9ee5');
  });

  it('test_get_sha1', () => {
    expect(getSha1(GENERIC_CONTENT)).toBe('c519c1a06cdbeb2bc499e22137fb48683858b345');
  });

  it('test_get_sha256', () => {
    expect(getSha256(GENERIC_CONTENT)).toBe('5cac4f980fedc3d3f1f99b4be3472c9b30d56523e632d151237ec9309048bda9');
  });

  it('test_get_sha512', () => {
    expect(getSha512(GENERIC_CONTENT)).toBe(
      '015e6d23e760f612cca616c54f110cb12dd54213f1e046c7607081372402eff4936b379296ed549236020afb37bd3e728a044a4243754f095498c98bc24f77e0',
    );
  });
});
