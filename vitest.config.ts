import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// One graphql module for the tests and the packages alike. Vite would resolve the tests' and
// src's `import 'graphql'` to its ES build (package.json "module") while Apollo's CommonJS
// packages load the CommonJS build: two copies, and graphql-js refuses types "from another
// realm" (e.g. in validation rules that check the schema's types). Node picks the CommonJS
// build for both, so the tests do too.
const graphql = createRequire(import.meta.url).resolve('graphql');

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphql }] },
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
