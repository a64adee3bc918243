import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// One graphql module for the tests and the packages alike. Vite would resolve the tests' and
// src's `import 'graphql'` to its ES build (package.json "module") while Apollo's CommonJS
// packages load the CommonJS build: two copies, and graphql-js refuses types "from another
// realm" (e.g. in validation rules that check the schema's types). Node picks the CommonJS
// build for both, so the tests do too.
const graphql = createRequire(import.meta.url).resolve('graphql');

// Tests that stop and start the real servers .ci/services.sh runs. They run after the rest
// of the suite, one file at a time, so no other test sees a server go away under it.
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphql }] },
  test: {
    pool: 'forks',
    include: ['test/disruptive/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
