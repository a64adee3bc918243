import { loadModuleMigrations } from '../../src/migrations/load-migrations.js';
import type { ModuleEngine, ModuleMigration } from '../../src/migrations/migration.js';
import type { MigrationContexts } from '../../src/migrations/module-target.js';
import { openPgPool } from '../../src/stores/relational/pg-client.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';

/** A Postgres pool on a schema of its own, for the ledger of module migrations; `drop` removes the schema. */
export async function ledgerDatabase(url: string, schema: string): Promise<{ ledger: SqlClient; drop: () => Promise<void> }> {
  const pool = (u: string) => openPgPool({ url: u, poolSize: 2, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000 });
  const admin = await pool(url);
  await admin.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const ledger = await pool(`${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`);
  return {
    ledger,
    drop: async () => {
      await ledger.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    },
  };
}

/** The project's module migrations of `folder`, recorded under `store` (a name of the test's own). */
export async function modulesAs<E extends ModuleEngine>(folder: string, engine: E, store: string): Promise<ModuleMigration<MigrationContexts[E]>[]> {
  return (await loadModuleMigrations<MigrationContexts[E]>(folder, engine)).map((m) => ({ ...m, store }));
}

/** The ledger rows of one store: version and checksum. */
export async function ledgerRows(ledger: SqlClient, store: string): Promise<{ version: number; checksum: string }[]> {
  const { rows } = await ledger.query<{ version: number; checksum: string }>('SELECT version, checksum FROM marketgraph_migrations WHERE store = $1 ORDER BY version', [store]);
  return rows;
}
