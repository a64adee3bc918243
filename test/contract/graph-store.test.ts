import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArangoGraphStore } from '../../src/stores/graph/arango-graph-store.js';
import { createPostgresGraphStore } from '../../src/stores/graph/postgres-graph-store.js';
import { openPglite } from '../../src/stores/relational/pglite-client.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { migratePostgres, startMigrated } from '../helpers/migrate.js';
import { graphStoreContract } from './graph-store.contract.js';
import { startsAtOnceSuite, testPool } from '../helpers/postgres-schema.js';

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
  const pool = (url = postgresUrl!) => testPool(url);

  graphStoreContract('PostgreSQL', async () => startMigrated('graph', createPostgresGraphStore('postgres', () => pool())));

  startsAtOnceSuite('graph', postgresUrl!, (url) => createPostgresGraphStore('postgres', () => pool(url)), { tables: 2, migrations: 1 });
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
