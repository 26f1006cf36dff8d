/**
 * The signal of requests that cannot be cancelled. Shared by all of them: nothing aborts it, and
 * waiting code skips listening to it (see invokePlugin), so it never collects listeners.
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
