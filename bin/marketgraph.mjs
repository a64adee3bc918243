#!/usr/bin/env node
// The `marketgraph` command. In a source checkout (src/ is here) the TypeScript sources run
// through tsx's loader, so an edit needs no build; in the image, which has no src/ and no
// TypeScript loader, the compiled JavaScript in dist/ runs (Dockerfile, issue 14).
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/src/cli/main.js', import.meta.url).href);
}
