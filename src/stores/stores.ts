import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { migrateUp } from '../migrations/run-migrations.js';
import { migrationTargets } from '../migrations/targets.js';
import type { CacheStore } from './cache/cache-store.js';
import { createArangoGraphStore } from './graph/arango-graph-store.js';
import type { GraphStore } from './graph/graph-store.js';
import { createPostgresGraphStore } from './graph/postgres-graph-store.js';
import { createMemoryCacheStore } from './cache/memory-cache-store.js';
import { createRedisCacheStore } from './cache/redis-cache-store.js';
import { instrumentPort, type PortObserver } from './instrument-port.js';
import { openPgPool } from './relational/pg-client.js';
import { createStoreGuard, type ResilienceOptions, type StoreGuard } from './resilience.js';
import { createPostgresRelationalStore } from './relational/postgres-relational-store.js';
import type { RelationalStore } from './relational/relational-store.js';
import type { SqlClient } from './relational/sql-client.js';
import { createKafkaTickStream } from './stream/kafka-tick-stream.js';
import { createMemoryTickStream } from './stream/memory-tick-stream.js';
import type { TickStream } from './stream/tick-stream.js';
import { createClickHouseTickStore } from './ticks/clickhouse-tick-store.js';
import type { TickStore } from './ticks/tick-store.js';
import { createPgvectorStore } from './vector/pgvector-store.js';
import type { VectorStore } from './vector/vector-store.js';
import { createWeaviateVectorStore } from './vector/weaviate-vector-store.js';
import { STORE_NAMES, type StoreName } from './store-names.js';

export interface Stores {
  relational: RelationalStore;
  ticks: TickStore;
  cache: CacheStore;
  stream: TickStream;
  graph: GraphStore;
  vector: VectorStore;
}

export { STORE_NAMES, type StoreName } from './store-names.js';
// Every port has a name and every name a port.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _namesMatchPorts: SameKeys<StoreName, keyof Stores> = true;

/**
 * Picks an adapter per store: the server when its URL is configured, else the embedded
 * engine. The embedded engines are optional dependencies (chdb alone is ~540 MB), loaded
 * only when used, so an image for servers can leave them out.
 */
export async function createStores(config: Config): Promise<Stores> {
  const timeout = config.storeTimeoutMs;
  const { postgres, clickhouse, redis, kafka, arango, weaviate } = config;
  const pgliteDir = join(config.dataDir, 'pglite');
  // One Postgres for the relational store and, when they run on Postgres, the graph and
  // vector stores: a PGlite instance is shared (the relational store owns and closes it);
  // against a server each store has its own pool.
  const sharedPglite = once(async () =>
    (await embedded('pglite', 'POSTGRES_URL', () => import('./relational/pglite-client.js'))).openPglite(pgliteDir),
  );
  const postgresEngine = postgres ? `postgres ${redactUrl(postgres.url)}` : `pglite ${pgliteDir}`;
  const openPostgres = (): Promise<SqlClient> =>
    postgres
      ? openPgPool({ url: postgres.url, poolSize: postgres.poolSize, statementTimeoutMs: timeout, connectTimeoutMs: timeout })
      : sharedPglite();
  const ownsClient = Boolean(postgres);
  return {
    relational: createPostgresRelationalStore(postgresEngine, openPostgres),
    ticks: clickhouse
      ? createClickHouseTickStore({ ...clickhouse, requestTimeoutMs: timeout })
      : (await embedded('chdb', 'CLICKHOUSE_URL', () => import('./ticks/chdb-tick-store.js'))).createChdbTickStore(join(config.dataDir, 'chdb')),
    cache: redis
      ? createRedisCacheStore({ url: redis.url, commandTimeoutMs: timeout })
      : createMemoryCacheStore({ maxEntries: MEMORY_CACHE_MAX_ENTRIES, maxBytes: config.cacheMaxBytes }),
    stream: kafka
      ? createKafkaTickStream({
          brokers: kafka.brokers,
          topic: kafka.topic,
          partitions: kafka.partitions,
          replicationFactor: kafka.replicationFactor,
          clientId: kafka.clientId,
          requestTimeoutMs: timeout,
          sinkMinBytes: kafka.sinkMinBytes,
          sinkMaxWaitMs: kafka.sinkMaxWaitMs,
          recordFormat: kafka.recordFormat,
          security: kafka.security,
        })
      : createMemoryTickStream(),
    graph:
      config.graphStore === 'arangodb' && arango
        ? createArangoGraphStore({ ...arango, requestTimeoutMs: timeout })
        : createPostgresGraphStore(postgresEngine, openPostgres, { ownsClient }),
    vector:
      config.vectorStore === 'weaviate' && weaviate
        ? createWeaviateVectorStore({ ...weaviate, dimensions: config.patternLength, requestTimeoutMs: timeout })
        : createPgvectorStore(postgresEngine, openPostgres, { dimensions: config.patternLength, ownsClient }),
  };
}

// The in-process cache's entry bound; CACHE_MAX_BYTES is the one that holds its memory.
const MEMORY_CACHE_MAX_ENTRIES = 10_000;

/** Calls `make` once; every call returns its promise. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/** Imports an embedded engine's adapter, saying plainly what to do when it is not installed. */
async function embedded<T>(engine: string, server: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new Error(`the embedded ${engine} engine is not installed (an optional dependency): set ${server} or run npm install`, {
      cause: error,
    });
  }
}

/** Never log or show a password. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

// The operations without side effects, per store: only these are retried.
const READS: Record<StoreName, ReadonlySet<string>> = {
  relational: new Set(['ping', 'instrumentsBySymbols', 'listInstruments', 'accountsByIds', 'listAccounts', 'positionsByAccountIds']),
  ticks: new Set(['ping', 'ticksBetween', 'newestBetween', 'oldestAfter', 'acceptedAfter', 'latest', 'page', 'candles', 'recentCloses', 'correlations', 'maxSeq', 'count']),
  cache: new Set(['ping', 'getLatest', 'get', 'getMany']),
  stream: new Set(['ping', 'positions']),
  graph: new Set(['ping', 'related', 'conversionPaths']),
  vector: new Set(['ping', 'nearest', 'similarTo']),
};

export type StoreGuards = Record<StoreName, StoreGuard>;

/** One guard (timeout, retries for reads, circuit breaker) per store; state changes are logged and exported. */
export function createStoreGuards(options: ResilienceOptions, metrics: Metrics, logger: Logger): StoreGuards {
  const guards = {} as StoreGuards;
  for (const store of STORE_NAMES) {
    metrics.breakerState.set({ store }, BREAKER_GAUGE.closed);
    guards[store] = createStoreGuard(options, (state) => {
      metrics.breakerState.set({ store }, BREAKER_GAUGE[state]);
      if (state === 'open') logger.warn({ store }, 'circuit opened: store calls fail fast');
      else logger.info({ store, state }, 'circuit state changed');
    });
  }
  return guards;
}

const BREAKER_GAUGE = { closed: 0, 'half-open': 1, open: 2 } as const;

export function instrumentStores(stores: Stores, observer: PortObserver, guards: StoreGuards): Stores {
  const wrap = <K extends StoreName>(store: K) =>
    instrumentPort(store, stores[store], observer, { guard: guards[store], reads: READS[store] });
  return {
    relational: wrap('relational'),
    ticks: wrap('ticks'),
    cache: wrap('cache'),
    stream: wrap('stream'),
    graph: wrap('graph'),
    vector: wrap('vector'),
  };
}

/** The stores configured with a server (the others run embedded, in this process). */
export function serverStores(config: Config): Set<StoreName> {
  const servers = new Set<StoreName>();
  if (config.postgres) servers.add('relational');
  if (config.clickhouse) servers.add('ticks');
  if (config.redis) servers.add('cache');
  if (config.kafka) servers.add('stream');
  if (config.graphStore === 'arangodb' || config.postgres) servers.add('graph');
  if (config.vectorStore === 'weaviate' || config.postgres) servers.add('vector');
  return servers;
}

const RETRY_START_MS = 2_000;

export interface StoreStartup {
  /** Resolves when the store has started (a server store may take retries). */
  started: Record<StoreName, Promise<void>>;
  /** The server stores whose first start failed; they are being retried. */
  retrying: ReadonlySet<StoreName>;
  /** Stops retrying stores that have not started. */
  cancel(): void;
}

/**
 * Starts every store. Embedded stores are this process's own data: their pending schema
 * migrations are applied once they started (server stores: see migrations/migrate-on-start.ts).
 * An embedded engine that fails to start or to migrate is fatal. A server that is
 * down does not stop the gateway: its store is retried in the background (every 2 s) while
 * /readyz reports it down and its fields fail with STORE_UNAVAILABLE.
 */
export async function startStores(stores: Stores, servers: Set<StoreName>, logger: Logger): Promise<StoreStartup> {
  let cancelled = false;
  const retry = async (name: StoreName): Promise<void> => {
    for (let attempt = 2; ; attempt++) {
      await new Promise((r) => setTimeout(r, RETRY_START_MS).unref());
      if (cancelled) throw new Error(`${name} store never started`);
      try {
        await stores[name].start();
        logger.info({ store: name, attempt }, 'store started after retrying');
        return;
      } catch {
        // still down; /readyz says so
      }
    }
  };
  const started = {} as Record<StoreName, Promise<void>>;
  const retrying = new Set<StoreName>();
  for (const name of STORE_NAMES) {
    if (!servers.has(name)) {
      await stores[name].start();
      started[name] = Promise.resolve();
    }
  }
  const embedded = STORE_NAMES.filter((name) => !servers.has(name));
  await migrateUp(await migrationTargets(stores, { servers, names: embedded }), {
    onProgress: (event) => event.phase !== 'start' && logger.info({ ...event }, `migration ${event.phase}`),
  });
  // Servers start side by side; a healthy one is ready when the gateway starts listening.
  await Promise.all(
    [...servers].map(async (name) => {
      try {
        await stores[name].start();
        started[name] = Promise.resolve();
      } catch (error) {
        logger.error({ store: name, err: error }, 'store did not start; retrying in the background');
        retrying.add(name);
        started[name] = retry(name);
        started[name].catch(() => undefined);
      }
    }),
  );
  return { started, retrying, cancel: () => (cancelled = true) };
}

export async function closeStores(stores: Stores): Promise<void> {
  for (const name of [...STORE_NAMES].reverse()) await stores[name].close();
}
