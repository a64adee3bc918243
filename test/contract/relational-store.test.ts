import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { openPglite } from '../../src/stores/relational/pglite-client.js';
import { createPostgresRelationalStore } from '../../src/stores/relational/postgres-relational-store.js';
import { startMigrated } from '../helpers/migrate.js';
import { relationalStoreContract } from './relational-store.contract.js';
import { startsAtOnceSuite, testPool } from '../helpers/postgres-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'marketgraph-pglite-'));
relationalStoreContract('PGlite (embedded)', async () => startMigrated('relational', createPostgresRelationalStore('pglite', () => openPglite(dir))), async (store) => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

// CI starts a PostgreSQL server (.ci/services.sh) and sets POSTGRES_URL; without it the suite is skipped, visibly.
const postgresUrl = process.env.POSTGRES_URL;
describe.skipIf(!postgresUrl)(`PostgreSQL server${postgresUrl ? '' : ' (POSTGRES_URL not set)'}`, () => {
  const pool = (url = postgresUrl!) => testPool(url);

  relationalStoreContract('PostgreSQL', async () => startMigrated('relational', createPostgresRelationalStore('postgres', () => pool())));

  startsAtOnceSuite('relational', postgresUrl!, (url) => createPostgresRelationalStore('postgres', () => pool(url)), { tables: 4, migrations: 2 });
});
