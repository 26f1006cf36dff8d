/** A value now, or later. Plugins answer synchronously more often than not (hashing a small payload). */
export type MaybePromise<T> = T | Promise<T>;

export const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';

/** Apply `next` now if the value is here, else when it arrives. */
export function thenMaybe<T, R>(value: MaybePromise<T>, next: (v: T) => MaybePromise<R>): MaybePromise<R> {
  return isThenable(value) ? (value as Promise<T>).then(next) : next(value as T);
}
