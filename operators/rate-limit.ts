import { asyncScheduler, Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { z } from 'zod';
import { StoqException } from '../src/exceptions.js';

/** At most `count` items in any window of `seconds` seconds. */
export interface RateLimit {
  count: number;
  seconds: number;
}

const FORMAT = 'expected "N/S", at most N scans per S seconds (e.g. "10/1" or "1/0.5")';

const RateLimitSchema = z.object({
  count: z
    .number()
    .int('N (the number of scans) must be a whole number')
    .min(1, 'N (the number of scans) must be at least 1')
    .max(Number.MAX_SAFE_INTEGER, 'N is too large'),
  seconds: z.number().positive('S (the window in seconds) must be greater than 0').finite('S must be finite'),
});

const RateLimitText = z
  .string()
  .transform((text, ctx) => {
    const m = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?|\.\d+)\s*$/.exec(text);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: FORMAT });
      return z.NEVER;
    }
    return { count: Number(m[1]), seconds: Number(m[2]) };
  })
  .pipe(RateLimitSchema);

function validated(schema: z.ZodType<RateLimit>, input: unknown, shown: string): RateLimit {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new StoqException(`Invalid ratelimit ${shown}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
}

/**
 * Upstream's `ratelimit='N/S'` string as a `RateLimit`; a malformed one (`'abc'`, `'0/1'`, `'5/0'`)
 * is a StoqException that quotes it and says what was expected.
 *
 * @example
 * parseRateLimit('10/1'); // { count: 10, seconds: 1 }
 */
export function parseRateLimit(text: string): RateLimit {
  return validated(RateLimitText, text, JSON.stringify(text));
}

/**
 * Let at most `limit.count` items through in any sliding window of `limit.seconds` seconds; the
 * others wait, in order, and are let through as soon as the window allows. Waiting is a timer on
 * `scheduler`: the event loop never blocks (upstream slept the whole thread, UD-26). Nothing is
 * dropped; completion waits for the queue to drain, an error is passed on at once.
 *
 * Items that arrive faster than the limit queue up here: put it before the expensive stage (a
 * `mergeMap` over scans) so that stage, not this queue, bounds how much is in flight.
 *
 * @example
 * // At most 10 scans per second, 4 at a time.
 * requests$.pipe(rateLimit('10/1'), mergeMap((request) => scanRequest(engine, request), 4));
 */
export function rateLimit<T>(limit: RateLimit | string, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<T> {
  const { count, seconds } = typeof limit === 'string' ? parseRateLimit(limit) : validated(RateLimitSchema, limit, JSON.stringify(limit));
  const windowMs = seconds * 1000;
  return (source) =>
    new Observable<T>((subscriber) => {
      // Emission times of the last `count` items let through, oldest at `head` (a ring).
      const sent: number[] = [];
      let head = 0;
      const waiting: T[] = [];
      let sourceDone = false;
      let timer: Subscription | undefined;

      const inWindow = () => {
        const now = scheduler.now();
        while (sent.length - head > 0 && sent[head]! + windowMs <= now) head++;
        // Compact now and then so the ring never holds more than `count` live entries plus garbage.
        if (head > count) {
          sent.splice(0, head);
          head = 0;
        }
        return sent.length - head;
      };

      const drain = () => {
        while (waiting.length > 0 && inWindow() < count) {
          sent.push(scheduler.now());
          subscriber.next(waiting.shift()!);
        }
        if (waiting.length === 0) {
          if (sourceDone) subscriber.complete();
          return;
        }
        if (timer && !timer.closed) return;
        // The oldest emission leaving the window frees the next slot.
        const delay = Math.max(0, sent[head]! + windowMs - scheduler.now());
        timer = scheduler.schedule(() => {
          timer = undefined;
          drain();
        }, delay);
      };

      const upstream = source.subscribe({
        next: (value) => {
          waiting.push(value);
          drain();
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          if (waiting.length === 0) subscriber.complete();
        },
      });
      return () => {
        upstream.unsubscribe();
        timer?.unsubscribe();
      };
    });
}
