import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config.js';

/**
 * The deployment files as shipped (issue 14): docker-compose.yml and the Dockerfile set only
 * variables the gateway reads (a misspelt one would be ignored silently), and every image is
 * pinned to a version. There is no Docker engine here; .ci/image-check.sh runs the image's
 * file tree. The compose file is read line by line: it is ours, and its shape is checked here.
 */
const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');

/** The `KEY: value` lines of the top-level mapping `name` (the environment the gateway and migrate share). */
function topLevelMapping(name: string): Map<string, string> {
  const lines = compose.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${name}:`));
  expect(start, `${name} in docker-compose.yml`).toBeGreaterThan(-1);
  const entries = new Map<string, string>();
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  ')) break;
    const match = /^ {2}([A-Za-z_][A-Za-z0-9_]*):\s*(.*)$/.exec(line);
    if (match) entries.set(match[1]!, match[2]!);
  }
  return entries;
}

/** A service's block of lines. */
function service(name: string): string {
  const match = new RegExp(`^ {2}${name}:\\n((?: {4}.*\\n|\\s*\\n)*)`, 'm').exec(compose);
  expect(match, `service ${name}`).not.toBeNull();
  return match![1]!;
}

const pinned = (image: string) => /:v?\d+\.\d+(\.\d+)*(-[\w.-]+)?$/.test(image) && !/latest/.test(image);

describe('docker-compose.yml', () => {
  it('sets only variables that src/config.ts reads, on the gateway and migrate alike', () => {
    const environment = topLevelMapping('x-marketgraph-environment');
    expect(environment.size).toBeGreaterThan(5);
    const unknown = [...environment.keys()].filter((name) => !CONFIG_VARIABLES.includes(name));
    expect(unknown).toEqual([]);
    for (const name of ['gateway', 'migrate']) expect(service(name)).toMatch(/^ {4}environment: \*marketgraph-environment$/m);
  });

  it('pins every image to a version', () => {
    const images = [...compose.matchAll(/^\s+image:\s*(\S+)\s*$/gm)].map((m) => m[1]!);
    expect(images.length).toBeGreaterThanOrEqual(6);
    expect(images.filter((image) => !pinned(image))).toEqual([]);
  });

  it('serves from nothing: stores healthy, migrations applied by `migrate`, then the gateway, with access control on', () => {
    const gateway = service('gateway');
    expect(gateway).toMatch(/migrate: \{ condition: service_completed_successfully \}/);
    expect(service('migrate')).toMatch(/command: \["marketgraph", "migrate", "up"\]/);
    expect(topLevelMapping('x-marketgraph-environment').get('AUTH')).toBe('required');
    for (const name of ['postgres', 'clickhouse', 'dragonfly', 'redpanda', 'arangodb', 'weaviate']) {
      expect(service(name), name).toMatch(/healthcheck:/);
      expect(service(name), name).toMatch(/restart: unless-stopped/);
    }
    expect(gateway).toMatch(/restart: unless-stopped/);
    // PostgreSQL's init server listens on its socket only: a TCP check cannot pass early.
    expect(service('postgres')).toMatch(/pg_isready -h 127\.0\.0\.1/);
  });
});

describe('Dockerfile', () => {
  it('pins every base image to a version', () => {
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(bases.length).toBeGreaterThan(0);
    expect(bases.filter((image) => !pinned(image))).toEqual([]);
  });

  it('sets only variables that src/config.ts reads (and PATH), and runs compiled JavaScript with node', () => {
    const names = [...dockerfile.matchAll(/^ENV\s+(.+)$/gm)].flatMap((m) => m[1]!.split(/\s+/).map((pair) => pair.split('=')[0]!));
    expect(names.filter((name) => name !== 'PATH' && !CONFIG_VARIABLES.includes(name))).toEqual([]);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/main\.js"\]$/m);
    expect(dockerfile).not.toMatch(/tsx/);
    expect(dockerfile).toMatch(/RUN npm ci /);
  });
});
