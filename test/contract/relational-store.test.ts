import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite } from '../../src/stores/relational/pglite-client.js';
import { createPostgresRelationalStore } from '../../src/stores/relational/postgres-relational-store.js';
import { relationalStoreContract } from './relational-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'marketgraph-pglite-'));
relationalStoreContract('PGlite (embedded)', async () => createPostgresRelationalStore('pglite', () => openPglite(dir)), async (store) => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
