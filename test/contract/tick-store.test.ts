import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbTickStore } from '../../src/stores/ticks/chdb-tick-store.js';
import { startMigrated } from '../helpers/migrate.js';
import { tickStoreContract } from './tick-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'marketgraph-chdb-'));
tickStoreContract('chDB (embedded)', async () => startMigrated('ticks', createChdbTickStore(dir)), async (store) => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
