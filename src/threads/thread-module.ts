/**
 * What a thread module exports: the code a ThreadHost runs in each of its threads. Plain
 * JavaScript, or TypeScript of this package (its build runs in the thread).
 *
 * @example
 * // sum-thread.mjs
 * export async function setup(data) { return { offset: data.offset }; }
 * export function handle(numbers, state) { return numbers.reduce((a, b) => a + b, state.offset); }
 */
export interface ThreadModule<Req = unknown, Res = unknown, State = unknown, Data = unknown> {
  /**
   * Runs once when the thread starts, with the host's `data`; what it returns is passed to every
   * `handle`. A throw fails the thread's start (`ThreadStartError`, with this error's message).
   */
  setup?(data: Data): State | Promise<State>;
  /**
   * One request; its result (or thrown error) is the answer. Requests come one after another,
   * never two at once. A result may list buffers to move back under the `TRANSFER` symbol.
   */
  handle(request: Req, state: State): Res | Promise<Res>;
  /** Runs on a graceful `ThreadHost.shutdown()`, after the last request; it must release what keeps the thread alive. */
  close?(state: State): void | Promise<void>;
}
