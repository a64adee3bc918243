import type { StoreName, Stores } from '../stores/stores.js';
import { clickhouseTarget, processLock, type MigrationLock } from './clickhouse-target.js';
import { loadModuleMigrations } from './load-migrations.js';
import type { MigrationTarget, ModuleEngine, ModuleMigration } from './migration.js';
import { moduleTarget, type MigrationContexts } from './module-target.js';
import { postgresTarget, withMigrationLock } from './postgres-target.js';

/** The stores that have SQL migrations, in the order they are migrated. */
export const SQL_STORES = ['relational', 'ticks', 'graph', 'vector'] as const satisfies readonly StoreName[];

/** The stores migrated by TypeScript modules when on these engines, in the order they are migrated. */
export const MODULE_STORES = ['cache', 'stream', 'graph', 'vector'] as const satisfies readonly StoreName[];

/** Every store that can have migrations: the SQL ones, then the module ones. */
export const MIGRATED_STORES = [...SQL_STORES, 'cache', 'stream'] as const satisfies readonly StoreName[];

// Imported when a target needs them, not when this file is loaded: importing it used to load
// every migration module and its driver, and made the compiled image fail on `.ts` (issue 14).
// Once per process: a module is the same whichever command asks for it.
const imported = new Map<string, Promise<ModuleMigration<unknown>[]>>();
function modulesOf<E extends ModuleEngine>(store: StoreName, engine: E): Promise<ModuleMigration<MigrationContexts[E]>[]> {
  const key = `${store}.${engine}`;
  if (!imported.has(key)) imported.set(key, loadModuleMigrations<unknown>(store, engine));
  return imported.get(key)! as Promise<ModuleMigration<MigrationContexts[E]>[]>;
}

export interface TargetOptions {
  /** The stores configured with a server (serverStores(config)); the others are embedded. */
  servers?: ReadonlySet<StoreName>;
  /** Only these stores (default: every store that can have migrations). */
  names?: readonly StoreName[];
  /** Where the migration files are; the project's `migrations/` by default (tests use temp dirs). */
  root?: string;
}

/**
 * The migration targets of the SQL stores in use: relational, graph when on Postgres, vector
 * when on pgvector, ticks on ClickHouse. A store's target uses the store's own client, so the
 * stores must have started. Stores on Kafka, Weaviate, ArangoDB and Redis get module
 * migrations (moduleTargetOf); an embedded cache or stream has none.
 */
export async function migrationTargets(stores: Stores, options: TargetOptions = {}): Promise<MigrationTarget[]> {
  const { servers = new Set(), names = MIGRATED_STORES, root } = options;
  const targets: MigrationTarget[] = [];
  for (const name of SQL_STORES.filter((n) => names.includes(n))) {
    if (name === 'ticks') {
      const ch = stores.ticks.clickhouseSql?.();
      const lock = servers.has('ticks') ? serverLock(stores) : processLock();
      if (ch) targets.push(clickhouseTarget('ticks', ch, { lock, root }));
      continue;
    }
    const client = stores[name].sqlClient?.();
    if (!client) continue;
    // The vector length is configuration (PATTERN_LENGTH, which the store was made with), not
    // schema history: see migrations/vector/0001.
    const substitutions: Record<string, string> = name === 'vector' ? { PATTERN_LENGTH: String(stores.vector.dimensions) } : {};
    targets.push(postgresTarget(name, client, { root, substitutions }));
  }
  for (const name of MODULE_STORES.filter((n) => names.includes(n))) {
    const target = await moduleTargetOf(stores, name);
    if (target) targets.push(target);
  }
  return targets;
}

/**
 * The module-migrated target of a store on Kafka, Weaviate, ArangoDB or Redis, or none (the
 * store is on another engine). Its ledger is in the relational store's Postgres, which must be
 * up: with it down, these stores cannot be migrated (the same known limit as ClickHouse servers).
 */
async function moduleTargetOf(stores: Stores, name: (typeof MODULE_STORES)[number]): Promise<MigrationTarget | undefined> {
  const ledger = () => {
    const client = stores.relational.sqlClient?.();
    if (!client) throw new Error(`the ${name} store's migration ledger is in the relational store, which is not on Postgres`);
    return client;
  };
  const target = async <E extends ModuleEngine>(engine: E, ctx: MigrationContexts[E] | undefined) =>
    ctx && moduleTarget(name, engine, ctx, ledger(), await modulesOf(name, engine));
  switch (name) {
    case 'stream':
      return stores.stream.kind === 'durable' ? target('kafka', stores.stream.kafkaAdmin?.()) : undefined;
    case 'vector':
      return target('weaviate', stores.vector.weaviateClient?.());
    case 'graph':
      return target('arangodb', stores.graph.arangoDatabase?.());
    case 'cache':
      return target('redis', stores.cache.redisClient?.());
  }
}

/**
 * Migrations of a ClickHouse server are serialised with the Postgres migration lock of the
 * relational store's database, so gateways sharing servers do not both apply one: the
 * relational store must be up for them to run (known limit: with PostgreSQL down, a gateway
 * with --migrate cannot migrate ClickHouse and fails to start). Embedded chDB belongs to
 * this process: a lock within the process is enough.
 */
function serverLock(stores: Stores): MigrationLock {
  const relational = stores.relational.sqlClient;
  if (!relational) return processLock();
  return (work) => withMigrationLock(relational(), () => work());
}
