export { closeSharedPool, configureSharedPool, disableSharedPool, sharedPool, sharedPoolEnabled, sharedPoolStats } from './shared-pool.js';
export { allocShared, isShared, toShared } from './shared-bytes.js';
export { inlineOrPooled, poolOffloadOptions, type PooledFunction } from './offload.js';
export { WorkerPool, type PoolRunOptions, type PoolStats, type WorkerPoolOptions } from './worker-pool.js';
export { TRANSFER, type PoolTask } from './protocol.js';
/** The pool's errors are the thread host's (the pool is a ThreadHost); these names predate it. */
export { ThreadClosedError as PoolClosedError, ThreadTaskError as PoolTaskError, ThreadTimeoutError as PoolTimeoutError } from '../threads/errors.js';
