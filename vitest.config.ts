import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // chDB allows one data directory per process, so every test file gets its own process.
    pool: 'forks',
    isolate: true,
    include: ['test/**/*.test.ts'],
    exclude: ['test/disruptive/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
