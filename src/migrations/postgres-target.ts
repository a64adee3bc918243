import type { SqlClient, SqlQueries } from '../stores/relational/sql-client.js';
import { loadMigrations, MIGRATIONS_ROOT } from './load-migrations.js';
import type { AppliedMigration, Direction, Migration, MigrationTarget } from './migration.js';

// One lock for every migration of every store in one database, so two runs (two gateways
// starting with --migrate, or a gateway and the CLI) never apply a step twice. The key is
// arbitrary, constant and ours: 0x6d67 = 'mg'. The old start-up DDL used 0x6d67_0001 and _0002.
export const MIGRATION_LOCK_KEY = 0x6d67_0010;

// One ledger shared by the Postgres-backed stores of a database, keyed by store.
const createLedger = `
CREATE TABLE IF NOT EXISTS marketgraph_migrations (
  store text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store, version)
)`;

/** Runs `work` in a transaction holding the migration lock, taken first (released at its end). */
export function withMigrationLock<T>(client: SqlClient, work: (tx: SqlQueries) => Promise<T>): Promise<T> {
  return client.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    return work(tx);
  });
}

export interface PostgresTargetOptions {
  /** Where the migration files are; the project's `migrations/` by default. */
  root?: string;
  /** `{{NAME}}` in the SQL is replaced by this value when it runs (the checksum is of the file). */
  substitutions?: Record<string, string>;
}

/**
 * A Postgres-backed store's migrations (relational, graph, vector: PGlite or a server). Each
 * step is one transaction: take the lock, re-read the ledger, run the SQL, record it. Postgres
 * DDL is transactional, so a step that fails leaves no trace, in the schema or the ledger.
 */
export function postgresTarget(store: string, client: SqlClient, options: PostgresTargetOptions = {}): MigrationTarget {
  const { root = MIGRATIONS_ROOT, substitutions = {} } = options;
  return {
    store,
    engine: 'postgres',
    migrations: loadMigrations(store, 'postgres', root),
    applied: () => appliedIn(client, store),
    apply: (migration, direction) => applyRecorded(client, migration, direction, (tx) => tx.exec(substitute(migration[direction], substitutions))),
  };
}

/** The ledger rows of one store; reading never creates the ledger: a status check changes nothing. */
export async function appliedIn(client: SqlClient, store: string): Promise<AppliedMigration[]> {
  const { rows: exists } = await client.query<{ found: boolean }>(`SELECT to_regclass('marketgraph_migrations') IS NOT NULL AS found`);
  if (!exists[0]?.found) return [];
  return readLedger(client, store);
}

/**
 * One step, recorded in the ledger of `client`'s database: under the migration lock, re-reads
 * the ledger and resolves false when another run already made it; else runs `step` (given the
 * transaction) and records it. The record commits with the step's SQL, if any; a step on
 * another engine (a module migration) is not undone when the record fails.
 */
export function applyRecorded(client: SqlClient, migration: Migration, direction: Direction, step: (tx: SqlQueries) => Promise<unknown>): Promise<boolean> {
  return withMigrationLock(client, async (tx) => {
    await tx.exec(createLedger);
    const done = (await readLedger(tx, migration.store)).some((row) => row.version === migration.version);
    if (done === (direction === 'up')) return false;
    await step(tx);
    await record(tx, migration, direction);
    return true;
  });
}

async function readLedger(db: SqlQueries, store: string): Promise<AppliedMigration[]> {
  const { rows } = await db.query<{ version: number; name: string; checksum: string; appliedAt: number }>(
    `SELECT version, name, checksum, (extract(epoch FROM applied_at) * 1000)::float8 AS "appliedAt"
     FROM marketgraph_migrations WHERE store = $1 ORDER BY version`,
    [store],
  );
  return rows.map((row) => ({ ...row, appliedAt: new Date(row.appliedAt) }));
}

async function record(tx: SqlQueries, migration: Migration, direction: Direction): Promise<void> {
  if (direction === 'up') {
    await tx.query(`INSERT INTO marketgraph_migrations (store, version, name, checksum) VALUES ($1, $2, $3, $4)`, [
      migration.store,
      migration.version,
      migration.name,
      migration.checksum,
    ]);
  } else {
    await tx.query(`DELETE FROM marketgraph_migrations WHERE store = $1 AND version = $2`, [migration.store, migration.version]);
  }
}

/** Replaces `{{NAME}}` placeholders; one without a value is an error, not left in the SQL. */
export function substitute(sql: string, values: Record<string, string>): string {
  return sql.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {{${name}}} in a migration`);
    return value;
  });
}
