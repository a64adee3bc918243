import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgPool } from '../../src/stores/relational/pg-client.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { migratePostgres, type PostgresStore } from './migrate.js';

/** A pool for tests against the PostgreSQL server. */
export const testPool = (url: string) => openPgPool({ url, poolSize: 4, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000 });

/**
 * The server's URL with a search_path, so that a test's tables live in a schema of its own
 * (and `also`, e.g. `public` where an extension lives) and other tests never see them.
 */
export function urlInSchema(url: string, schema: string, ...also: string[]): string {
  const searchPath = [schema, ...also].join(',');
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${searchPath}`)}`;
}

interface Startable {
  start(): Promise<void>;
  close(): Promise<void>;
  sqlClient?(): SqlClient;
}

/**
 * Six gateways starting at once on an empty database: each starts its store and applies its
 * migrations; all succeed, the tables are created once and the ledger records each migration once.
 */
export function startsAtOnceSuite(
  store: PostgresStore,
  postgresUrl: string,
  open: (url: string) => Startable,
  expected: { tables: number; migrations: number },
): void {
  describe('several gateways starting at once', () => {
    // A schema of its own, so the tables do not exist yet and every start really creates them.
    const schema = `mg_${store}_start_${Math.random().toString(36).slice(2, 8)}`;
    let admin: SqlClient;
    beforeAll(async () => {
      admin = await testPool(postgresUrl);
      await admin.exec(`CREATE SCHEMA ${schema}`);
    });
    afterAll(async () => {
      await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    });

    it('all start and migrate an empty database at once, creating the tables once', async () => {
      const stores = Array.from({ length: 6 }, () => open(urlInSchema(postgresUrl, schema)));
      try {
        const results = await Promise.allSettled(stores.map(async (s) => (await s.start(), await migratePostgres(store, s.sqlClient!()))));
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename <> 'marketgraph_migrations'`,
          [schema],
        );
        expect(rows[0]?.n).toBe(expected.tables);
        const ledger = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.marketgraph_migrations WHERE store = $1`, [store]);
        expect(ledger.rows[0]?.n).toBe(expected.migrations); // each once
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });
}
