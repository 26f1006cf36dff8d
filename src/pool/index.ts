export { closeSharedPool, configureSharedPool, disableSharedPool, sharedPool, sharedPoolEnabled, sharedPoolStats } from './shared-pool.js';
export { allocShared, isShared, toShared } from './shared-bytes.js';
export { PoolClosedError, PoolTaskError, PoolTimeoutError, WorkerPool, type PoolRunOptions, type PoolStats, type WorkerPoolOptions } from './worker-pool.js';
export { TRANSFER, type PoolTask } from './protocol.js';
