import { defineConfig } from 'vitest/config';

// Tests that stop and start the real servers .ci/services.sh runs. They run after the rest
// of the suite, one file at a time, so no other test sees a server go away under it.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/disruptive/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
