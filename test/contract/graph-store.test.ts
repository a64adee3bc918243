import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArangoGraphStore } from '../../src/stores/graph/arango-graph-store.js';
import { createPostgresGraphStore } from '../../src/stores/graph/postgres-graph-store.js';
import { openPgPool } from '../../src/stores/relational/pg-client.js';
import { openPglite } from '../../src/stores/relational/pglite-client.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { migratePostgres, startMigrated } from '../helpers/migrate.js';
import { graphStoreContract } from './graph-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'marketgraph-pglite-graph-'));
graphStoreContract('PGlite (embedded)', async () => startMigrated('graph', createPostgresGraphStore('pglite', () => openPglite(dir))), async (store) => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PGlite shared with another store', () => {
  const sharedDir = mkdtempSync(join(tmpdir(), 'marketgraph-pglite-shared-'));
  let client: SqlClient;
  beforeAll(async () => {
    client = await openPglite(sharedDir);
  });
  afterAll(async () => {
    await client.close();
    rmSync(sharedDir, { recursive: true, force: true });
  });

  it('leaves a client it does not own open when it closes', async () => {
    const store = createPostgresGraphStore('pglite', async () => client, { ownsClient: false });
    await migratePostgres('graph', client);
    await store.start();
    await store.close();
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM graph_instruments');
    expect(rows[0]?.n).toBe(0);
    await expect(store.ping()).rejects.toThrow('not started');
  });
});

// CI starts a PostgreSQL server (.ci/services.sh) and sets POSTGRES_URL; without it the suite is skipped, visibly.
const postgresUrl = process.env.POSTGRES_URL;
describe.skipIf(!postgresUrl)(`PostgreSQL server${postgresUrl ? '' : ' (POSTGRES_URL not set)'}`, () => {
  const pool = (url = postgresUrl!) => openPgPool({ url, poolSize: 4, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000 });

  graphStoreContract('PostgreSQL', async () => startMigrated('graph', createPostgresGraphStore('postgres', () => pool())));

  describe('several gateways starting at once', () => {
    // A schema of its own, so the tables do not exist yet and every start really creates them.
    const schema = `mg_graph_start_${Math.random().toString(36).slice(2, 8)}`;
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
      const stores = Array.from({ length: 6 }, () => createPostgresGraphStore('postgres', () => pool(inSchema)));
      try {
        const results = await Promise.allSettled(stores.map(async (s) => (await s.start(), await migratePostgres('graph', s.sqlClient!()))));
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename <> 'marketgraph_migrations'`,
          [schema],
        );
        expect(rows[0]?.n).toBe(2);
        const ledger = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.marketgraph_migrations WHERE store = 'graph'`);
        expect(ledger.rows[0]?.n).toBe(1);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });
});

// No CI service runs ArangoDB yet; point ARANGO_URL (and ARANGO_USERNAME, ARANGO_PASSWORD) at a
// server to run the contract against it. It uses (and creates) the database marketgraph_test.
const arangoUrl = process.env.ARANGO_URL;
describe.skipIf(!arangoUrl)(`ArangoDB server${arangoUrl ? '' : ' (ARANGO_URL not set)'}`, () => {
  graphStoreContract('ArangoDB', async () =>
    createArangoGraphStore({
      url: arangoUrl!,
      database: process.env.ARANGO_DATABASE ?? 'marketgraph_test',
      username: process.env.ARANGO_USERNAME,
      password: process.env.ARANGO_PASSWORD,
      requestTimeoutMs: 10_000,
    }),
  );
});
