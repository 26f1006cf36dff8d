import { describe, expect, it } from 'vitest';
import * as rxstoq from 'rxstoq';
import { StoqError, upstream } from 'rxstoq';

describe("upstream's names", () => {
  it('keeps Error available as upstream.Error without shadowing the global Error', () => {
    expect('Error' in rxstoq).toBe(false);
    const e = new upstream.Error('boom', 'hash', 'p1');
    expect(e).toBeInstanceOf(StoqError);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ error: 'boom', plugin_name: 'hash', payload_id: 'p1' });
  });
});
