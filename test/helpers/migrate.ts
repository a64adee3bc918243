import { clickhouseTarget, processLock } from '../../src/migrations/clickhouse-target.js';
import { postgresTarget } from '../../src/migrations/postgres-target.js';
import { migrateDown, migrateUp } from '../../src/migrations/run-migrations.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import type { ClickHouseSql } from '../../src/stores/ticks/tick-store.js';

export type PostgresStore = 'relational' | 'graph' | 'vector';

/** Applies a Postgres-backed store's migrations on this client (the vector store's with this length). */
export async function migratePostgres(store: PostgresStore, client: SqlClient, dimensions = 32): Promise<void> {
  await migrateUp([postgresTarget(store, client, { substitutions: { PATTERN_LENGTH: String(dimensions) } })]);
}

/** Rolls a Postgres-backed store's migrations back to nothing: its tables and ledger rows go. */
export async function unmigratePostgres(store: PostgresStore, client: SqlClient): Promise<void> {
  await migrateDown([postgresTarget(store, client, { substitutions: { PATTERN_LENGTH: '1' } })], { to: 0, allowDataLoss: true });
}

/**
 * Starts an adapter and applies its store's migrations through its own client, as the
 * gateway's start-up does: contract suites get the tables they expect.
 */
export async function startMigrated<S extends { start(): Promise<void>; sqlClient?(): SqlClient; clickhouseSql?(): ClickHouseSql }>(
  store: PostgresStore | 'ticks',
  adapter: S,
): Promise<S> {
  await adapter.start();
  if (store === 'ticks') {
    await migrateUp([clickhouseTarget('ticks', adapter.clickhouseSql!(), { lock: processLock() })]);
  } else {
    await migratePostgres(store, adapter.sqlClient!());
  }
  return adapter;
}
