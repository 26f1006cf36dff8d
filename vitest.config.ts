import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Plugins import the package by name; in tests that must be the sources under test.
    alias: [
      { find: /^rxstoq$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^rxstoq\/operators$/, replacement: fileURLToPath(new URL('./operators/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'plugins/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
