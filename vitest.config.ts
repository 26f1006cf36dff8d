import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that kill, pause and restart processes and measure what survives: they run after the
 * others, one at a time, so the rest of the suite's load cannot change what they see.
 */
const ALONE = ['test/queue/chaos.test.ts', 'test/cli/memory.test.ts'];
const INCLUDE = ['test/**/*.test.ts', 'plugins/**/*.test.ts'];

export default defineConfig({
  resolve: {
    // Plugins import the package by name; in tests that must be the sources under test.
    alias: [
      { find: /^rxstoq$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^rxstoq\/operators$/, replacement: fileURLToPath(new URL('./operators/index.ts', import.meta.url)) },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at once on a 2-core machine: most of the suite waits on child processes and I/O.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: INCLUDE, exclude: [...configDefaults.exclude, ...ALONE], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
