import { asyncScheduler, from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { parseRateLimit, rateLimit } from '../../operators/rate-limit.js';
import { StoqException } from '../../src/exceptions.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('parseRateLimit', () => {
  it('reads N/S with whole or fractional seconds', () => {
    expect(parseRateLimit('10/1')).toEqual({ count: 10, seconds: 1 });
    expect(parseRateLimit(' 3 / 0.5 ')).toEqual({ count: 3, seconds: 0.5 });
  });

  it.each([
    ['abc', /Invalid ratelimit "abc": expected "N\/S"/],
    ['0/1', /Invalid ratelimit "0\/1": N \(the number of scans\) must be at least 1/],
    ['5/0', /Invalid ratelimit "5\/0": S \(the window in seconds\) must be greater than 0/],
    ['5', /expected "N\/S"/],
    ['-1/2', /expected "N\/S"/],
    ['1.5/2', /expected "N\/S"/],
  ])('rejects %j with a message saying what was wrong', (text, message) => {
    expect(() => parseRateLimit(text)).toThrow(StoqException);
    expect(() => parseRateLimit(text)).toThrow(message);
  });
});

describe('rateLimit (virtual time)', () => {
  it('lets N through at once and the rest as the window slides', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // Five at once under 2/s: two now, two a second later, the last at 2 s; completion waits.
      expectObservable(cold('(abcde|)').pipe(rateLimit('2/1'))).toBe('(ab) 996ms (cd) 996ms (e|)');
    });
  });

  it('counts a sliding window, not fixed buckets: a slot frees one window after its item left', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a at 0, b at 600, c at 700: c waits until a leaves the window (1000). d at 1700 passes at
      // once: b left at 1600, so only c is in the window. Fixed one-second buckets would differ.
      expectObservable(cold('a 599ms b 99ms c 999ms d|').pipe(rateLimit('2/1'))).toBe('a 599ms b 399ms c 699ms d|');
    });
  });

  it('passes items straight through while under the limit', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a 1s b 1s c|').pipe(rateLimit({ count: 1, seconds: 1 }))).toBe('a 1s b 1s c|');
    });
  });

  it('passes an error on at once, without waiting for the queue', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('(abc) 6ms #').pipe(rateLimit('1/1'))).toBe('a 10ms #');
    });
  });

  it('unsubscribing cancels the wait and the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(abc)');
      expectObservable(source.pipe(rateLimit('1/1')), '^ 1500ms !').toBe('a 999ms b');
      expectSubscriptions(source.subscriptions).toBe('^ 1500ms !');
    });
  });

  it('uses the scheduler it is given', () => {
    const test = scheduler();
    test.run(({ cold, expectObservable }) => {
      expectObservable(cold('(ab|)').pipe(rateLimit('1/2', test))).toBe('a 1999ms (b|)');
    });
  });

  it('rejects a bad limit when the operator is built, not when it runs', () => {
    expect(() => rateLimit('abc')).toThrow(/Invalid ratelimit "abc"/);
    expect(() => rateLimit({ count: 2, seconds: 0 })).toThrow(/S \(the window in seconds\) must be greater than 0/);
  });
});

describe('rateLimit (real time)', () => {
  it('waits on a timer: the event loop keeps turning while items are held back', async () => {
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    try {
      // 1 per 30 ms: the third item is held back for about 60 ms.
      const items = await lastValueFrom(from([1, 2, 3]).pipe(rateLimit('1/0.03', asyncScheduler), toArray()));
      expect(items).toEqual([1, 2, 3]);
      expect(turns).toBeGreaterThan(0);
    } finally {
      clearInterval(ticker);
    }
  });
});
