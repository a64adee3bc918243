import type { StoreName, Stores } from '../stores/stores.js';
import { clickhouseTarget, processLock, type MigrationLock } from './clickhouse-target.js';
import type { MigrationTarget } from './migration.js';
import { postgresTarget, withMigrationLock } from './postgres-target.js';

/** The stores that have SQL migrations, in the order they are migrated. */
export const SQL_STORES = ['relational', 'ticks', 'graph', 'vector'] as const satisfies readonly StoreName[];

export interface TargetOptions {
  /** The stores configured with a server (serverStores(config)); the others are embedded. */
  servers?: ReadonlySet<StoreName>;
  /** Only these stores (default: every SQL store). */
  names?: readonly StoreName[];
  /** Where the migration files are; the project's `migrations/` by default (tests use temp dirs). */
  root?: string;
}

/**
 * The migration targets of the SQL stores in use: relational, graph when on Postgres, vector
 * when on pgvector, ticks on ClickHouse. A store's target uses the store's own client, so the
 * stores must have started. Stores on other engines (Kafka, Weaviate, ArangoDB, the cache)
 * have no migrations yet and are left out.
 */
export function migrationTargets(stores: Stores, options: TargetOptions = {}): MigrationTarget[] {
  const { servers = new Set(), names = SQL_STORES, root } = options;
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
  return targets;
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
