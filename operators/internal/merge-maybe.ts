import { Observable, type OperatorFunction } from 'rxjs';
import { isThenable, type MaybePromise } from './maybe-async.js';

/**
 * `mergeMap` for projects that answer with a value or a promise of one — a plugin call. A value is
 * emitted synchronously, with no inner subscription at all; a promise is awaited, with at most
 * `concurrency` in flight (the rest wait, in order). Most plugin calls on small payloads answer
 * synchronously, and an inner Observable per call (mergeMap's way) was the largest share of what
 * a small scan allocated. dispatch, work, archive, decorate, connect and acknowledge are thin
 * faces of this one mechanism.
 */
export function mergeMaybe<T, R>(project: (value: T) => MaybePromise<R>, concurrency = Infinity): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let active = 0;
      let sourceDone = false;
      let closed = false;
      let waiting: T[] | undefined;
      const completeIfIdle = () => {
        if (sourceDone && active === 0 && (waiting === undefined || waiting.length === 0)) subscriber.complete();
      };
      const drain = () => {
        while (waiting !== undefined && waiting.length > 0 && active < concurrency) run(waiting.shift()!);
        completeIfIdle();
      };
      const run = (value: T) => {
        let result: MaybePromise<R>;
        try {
          result = project(value);
        } catch (err) {
          subscriber.error(err);
          return;
        }
        if (!isThenable(result)) {
          subscriber.next(result as R);
          return;
        }
        active++;
        (result as Promise<R>).then(
          (r) => {
            if (closed) return;
            active--;
            subscriber.next(r);
            drain();
          },
          (err: unknown) => {
            if (!closed) subscriber.error(err);
          },
        );
      };
      const upstream = source.subscribe({
        next: (value) => {
          // Values already waiting go first, even when this one arrives re-entrantly.
          if (active < concurrency && (waiting === undefined || waiting.length === 0)) run(value);
          else (waiting ??= []).push(value);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          completeIfIdle();
        },
      });
      return () => {
        closed = true;
        upstream.unsubscribe();
      };
    });
}
