import { join } from 'node:path';
import type { Config } from '../config.js';
import type { CacheStore } from './cache/cache-store.js';
import { createMemoryCacheStore } from './cache/memory-cache-store.js';
import { instrumentPort, type PortObserver } from './instrument-port.js';
import { createPostgresRelationalStore } from './relational/postgres-relational-store.js';
import { openPglite } from './relational/pglite-client.js';
import type { RelationalStore } from './relational/relational-store.js';
import { createMemoryTickStream } from './stream/memory-tick-stream.js';
import type { TickStream } from './stream/tick-stream.js';
import { createChdbTickStore } from './ticks/chdb-tick-store.js';
import type { TickStore } from './ticks/tick-store.js';

export interface Stores {
  relational: RelationalStore;
  ticks: TickStore;
  cache: CacheStore;
  stream: TickStream;
}

/** Start order; shutdown closes in reverse. */
export const STORE_NAMES = ['relational', 'ticks', 'cache', 'stream'] as const satisfies readonly (keyof Stores)[];

/** Picks an adapter per store from the configuration: embedded engines when no server is configured. */
export function createStores(config: Config): Stores {
  return {
    relational: createPostgresRelationalStore(`pglite ${join(config.dataDir, 'pglite')}`, () =>
      openPglite(join(config.dataDir, 'pglite')),
    ),
    ticks: createChdbTickStore(join(config.dataDir, 'chdb')),
    cache: createMemoryCacheStore(),
    stream: createMemoryTickStream(),
  };
}

export function instrumentStores(stores: Stores, observer: PortObserver): Stores {
  return {
    relational: instrumentPort('relational', stores.relational, observer),
    ticks: instrumentPort('ticks', stores.ticks, observer),
    cache: instrumentPort('cache', stores.cache, observer),
    stream: instrumentPort('stream', stores.stream, observer),
  };
}

export async function startStores(stores: Stores): Promise<void> {
  for (const name of STORE_NAMES) await stores[name].start();
}

export async function closeStores(stores: Stores): Promise<void> {
  for (const name of [...STORE_NAMES].reverse()) await stores[name].close();
}
