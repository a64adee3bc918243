import type { Database } from 'arangojs';
import type { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import type { WeaviateClient } from 'weaviate-client';
import type { SqlClient } from '../stores/relational/sql-client.js';
import type { MigrationTarget, ModuleEngine, ModuleMigration } from './migration.js';
import { applyRecorded, appliedIn } from './postgres-target.js';

/** What a Kafka (Redpanda) migration gets: an admin client (not connected) and the topic's settings. */
export interface KafkaMigrationContext {
  admin: Admin;
  topic: { name: string; partitions: number; replicationFactor: number };
}

/** What a Weaviate migration gets: a connected client, the collection's name and its vector length. */
export interface WeaviateMigrationContext {
  client: WeaviateClient;
  collection: string;
  dimensions: number;
}

/** What an ArangoDB migration gets: the store's database (which exists) and the named graph's name. */
export interface ArangoMigrationContext {
  db: Database;
  graph: string;
}

/** What a cache migration gets: a connected client and the prefix of every key (`mg:`). */
export interface RedisMigrationContext {
  redis: Redis;
  keyPrefix: string;
}

export interface MigrationContexts {
  kafka: KafkaMigrationContext;
  weaviate: WeaviateMigrationContext;
  arangodb: ArangoMigrationContext;
  redis: RedisMigrationContext;
}

/** The `store` column of a module-migrated store's ledger rows: `cache:redis`, `stream:kafka`… */
export const ledgerKey = (store: string, engine: ModuleEngine): string => `${store}:${engine}`;

/**
 * A store migrated by TypeScript modules (Kafka, Weaviate, ArangoDB, the cache). These engines
 * have no tables to keep a ledger in, so it is kept in the relational store's Postgres
 * (`ledger`), in the one `marketgraph_migrations` table, under `<store>:<engine>` (ledgerKey), and each step runs under
 * the same advisory lock as the SQL stores' steps. The step itself is not transactional: when
 * it fails half way, what it made stays and the ledger does not say so, so the next run repeats
 * it; every step of a module migration must therefore be idempotent (create if missing, drop if
 * present). `migrations` come from loadModuleMigrations(store, engine).
 */
export function moduleTarget<E extends ModuleEngine>(
  store: string,
  engine: E,
  ctx: MigrationContexts[E],
  ledger: SqlClient,
  migrations: readonly ModuleMigration<MigrationContexts[E]>[],
): MigrationTarget {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  // Keyed `vector:weaviate`, not `vector`: the ledger's database may also hold the rows of the
  // same store on Postgres (pgvector's `vector`), whose versions are another history.
  const key = ledgerKey(store, engine);
  return {
    store,
    engine,
    migrations,
    applied: () => appliedIn(ledger, key),
    apply(migration, direction) {
      const steps = byVersion.get(migration.version)?.steps;
      if (!steps) throw new Error(`${store}: no module for version ${migration.version}`);
      return applyRecorded(ledger, { ...migration, store: key }, direction, () => steps[direction](ctx));
    },
  };
}
