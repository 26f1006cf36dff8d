export {
  ThreadClosedError,
  ThreadCrashedError,
  ThreadOutOfMemoryError,
  ThreadStartError,
  ThreadTaskError,
  ThreadTaskLostError,
  ThreadTimeoutError,
} from './errors.js';
export { ThreadModuleError } from './runnable-module.js';
export { ThreadHost, type ThreadRequest, type ThreadRunOptions, type ThreadHostOptions, type ThreadHostStats } from './thread-host.js';
export type { ThreadModule } from './thread-module.js';
export { TRANSFER } from './wire.js';
