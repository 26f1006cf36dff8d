/**
 * Upstream stoQ's names for classes rxstoq names differently, for code ported from Python:
 * `import { upstream } from 'rxstoq'; new upstream.Error('...')`. They are not exported at the
 * top level because `Error` there would shadow the global `Error` for anyone importing `*`.
 */
export { StoqError as Error } from './model/stoq-error.js';
