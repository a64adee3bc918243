import type { ClickHouseSql } from '../stores/ticks/tick-store.js';
import { loadMigrations, MIGRATIONS_ROOT } from './load-migrations.js';
import { MigrationError, label, stripSqlComments, type AppliedMigration, type MigrationTarget } from './migration.js';

/**
 * Serialises migration runs. ClickHouse has neither transactions nor locks, so a gateway with
 * a Postgres server borrows the Postgres migration lock (withMigrationLock); an embedded
 * chDB belongs to one process, where a promise chain is enough (processLock).
 */
export type MigrationLock = <T>(work: () => Promise<T>) => Promise<T>;

/** A lock for runs inside this process only. */
export function processLock(): MigrationLock {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const run = tail.then(work);
    tail = run.catch(() => undefined);
    return run;
  };
}

const createLedger = `
CREATE TABLE IF NOT EXISTS marketgraph_migrations (
  store String,
  version UInt32,
  name String,
  checksum String,
  applied_at DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (store, version)`;

export interface ClickHouseTargetOptions {
  lock: MigrationLock;
  /** Where the migration files are; the project's `migrations/` by default. */
  root?: string;
}

/**
 * A ClickHouse store's migrations (ticks: chDB or a server). A file holds several statements
 * separated by `;` at the end of a line; they run one at a time, and the ledger row is written
 * only after all of them succeeded. ClickHouse DDL is not transactional: when a statement fails
 * the ones before it stay applied and the ledger does not say so, so the next run repeats them.
 * Every statement of a ClickHouse migration must therefore be idempotent (IF [NOT] EXISTS).
 */
export function clickhouseTarget(store: string, ch: ClickHouseSql, options: ClickHouseTargetOptions): MigrationTarget {
  const { lock, root = MIGRATIONS_ROOT } = options;
  const readLedger = async (): Promise<AppliedMigration[]> => {
    const [exists] = await ch.query<{ n: number }>(`SELECT toUInt32(count()) AS n FROM system.tables WHERE database = currentDatabase() AND name = 'marketgraph_migrations'`);
    if (!exists?.n) return [];
    const rows = await ch.query<{ version: number; name: string; checksum: string; appliedAt: string }>(
      `SELECT version, name, checksum, toString(toUnixTimestamp64Milli(applied_at)) AS appliedAt
       FROM marketgraph_migrations WHERE store = {store:String} ORDER BY version`,
      { store },
    );
    return rows.map((row) => ({ ...row, version: Number(row.version), appliedAt: new Date(Number(row.appliedAt)) }));
  };
  return {
    store,
    engine: 'clickhouse',
    migrations: loadMigrations(store, 'clickhouse', root),
    applied: readLedger,
    apply(migration, direction) {
      return lock(async () => {
        await ch.command(createLedger);
        const done = (await readLedger()).some((row) => row.version === migration.version);
        if (done === (direction === 'up')) return false;
        const statements = splitStatements(migration[direction]);
        for (const [index, statement] of statements.entries()) {
          try {
            await ch.command(statement);
          } catch (error) {
            const where = `statement ${index + 1} of ${statements.length}`;
            throw new MigrationError(`${store} ${label(migration)} ${direction} failed at ${where}: ${(error as Error).message}`, store, migration.version, { cause: error });
          }
        }
        if (direction === 'up') {
          await ch.command(
            `INSERT INTO marketgraph_migrations (store, version, name, checksum, applied_at)
             VALUES ({store:String}, {version:UInt32}, {name:String}, {checksum:String}, now64(3, 'UTC'))`,
            { store, version: migration.version, name: migration.name, checksum: migration.checksum },
          );
        } else {
          // A lightweight delete: synchronous by default, and works the same on chDB and a server.
          await ch.command(`DELETE FROM marketgraph_migrations WHERE store = {store:String} AND version = {version:UInt32}`, {
            store,
            version: migration.version,
          });
        }
        return true;
      });
    },
  };
}

/** Statements of a file: comments removed, split at `;` that ends a line, empty ones dropped. */
export function splitStatements(sql: string): string[] {
  return stripSqlComments(sql)
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}
