import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgPool } from '../../src/stores/relational/pg-client.js';
import { openPglite } from '../../src/stores/relational/pglite-client.js';
import { createPostgresRelationalStore } from '../../src/stores/relational/postgres-relational-store.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { migratePostgres, startMigrated } from '../helpers/migrate.js';
import { relationalStoreContract } from './relational-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'marketgraph-pglite-'));
relationalStoreContract('PGlite (embedded)', async () => startMigrated('relational', createPostgresRelationalStore('pglite', () => openPglite(dir))), async (store) => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

// CI starts a PostgreSQL server (.ci/services.sh) and sets POSTGRES_URL; without it the suite is skipped, visibly.
const postgresUrl = process.env.POSTGRES_URL;
describe.skipIf(!postgresUrl)(`PostgreSQL server${postgresUrl ? '' : ' (POSTGRES_URL not set)'}`, () => {
  const pool = (url = postgresUrl!) => openPgPool({ url, poolSize: 4, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000 });

  relationalStoreContract('PostgreSQL', async () => startMigrated('relational', createPostgresRelationalStore('postgres', () => pool())));

  describe('several gateways starting at once', () => {
    // A schema of its own, so the tables do not exist yet and every start really creates them.
    const schema = `mg_start_${Math.random().toString(36).slice(2, 8)}`;
    const inSchema = `${postgresUrl}${postgresUrl?.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    let admin: SqlClient;
    beforeAll(async () => {
      admin = await pool();
      await admin.exec(`CREATE SCHEMA ${schema}`);
    });
    afterAll(async () => {
      await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    });

    it('all start and migrate an empty database at once, creating the tables once', async () => {
      const stores = Array.from({ length: 6 }, () => createPostgresRelationalStore('postgres', () => pool(inSchema)));
      try {
        const results = await Promise.allSettled(stores.map(async (s) => (await s.start(), await migratePostgres('relational', s.sqlClient!()))));
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename <> 'marketgraph_migrations'`,
          [schema],
        );
        expect(rows[0]?.n).toBe(3);
        const ledger = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.marketgraph_migrations WHERE store = 'relational'`);
        expect(ledger.rows[0]?.n).toBe(1);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });
});
