// `marketgraph serve` without the command line: what the container image runs.
import { ConfigError, readConfig } from './config.js';
import { serve } from './serve.js';

try {
  await serve(readConfig());
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `marketgraph failed to start: ${error instanceof Error ? error.message : error}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
}
