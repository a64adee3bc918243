import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type App } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createStores, type Stores } from '../../src/stores/stores.js';

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestGateway {
  app: App;
  url: string;
  wsUrl: string;
  dataDir: string;
  /** Store calls since the last `resetCalls()`, as "store.operation" → count. */
  calls: Map<string, number>;
  resetCalls(): void;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  get(path: string): Promise<Response>;
  /** Stops the gateway; the data directory stays for a restart. */
  stop(): Promise<void>;
  /** Stops the gateway and deletes its data. */
  destroy(): Promise<void>;
}

export interface GatewayOptions {
  dataDir?: string;
  env?: Record<string, string>;
  /** Replaces adapters of the stores chosen from config (tests inject failing ones here). */
  wrapStores?: (stores: Stores) => Stores;
}

/** A real gateway on a random loopback port, with its own data directory. */
export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'marketgraph-test-'));
  const config = readConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SEED_DEMO_DATA: 'false',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const calls = new Map<string, number>();
  const app = await startApp({
    config,
    stores: options.wrapStores?.(await createStores(config)),
    logger: createLogger(config.logLevel),
    onStoreCall: (store, op) => calls.set(`${store}.${op}`, (calls.get(`${store}.${op}`) ?? 0) + 1),
  });
  const origin = new URL(app.url).origin;
  return {
    app,
    url: app.url,
    wsUrl: app.url.replace(/^http/, 'ws'),
    dataDir,
    calls,
    resetCalls: () => calls.clear(),
    async gql(query, variables) {
      const res = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as object) };
    },
    get: (path) => fetch(origin + path),
    stop: () => app.stop(),
    async destroy() {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls per store, summed over operations. */
export function callsPerStore(calls: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of calls) {
    const store = key.split('.')[0]!;
    out[store] = (out[store] ?? 0) + n;
  }
  return out;
}
