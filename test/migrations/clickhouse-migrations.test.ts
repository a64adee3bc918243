import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseTarget, processLock } from '../../src/migrations/clickhouse-target.js';
import { loadMigrations } from '../../src/migrations/load-migrations.js';
import { migrateDown, migrateUp, migrationStatus } from '../../src/migrations/run-migrations.js';
import { createChdbTickStore } from '../../src/stores/ticks/chdb-tick-store.js';
import { createClickHouseTickStore } from '../../src/stores/ticks/clickhouse-tick-store.js';
import type { ClickHouseSql, TickStore } from '../../src/stores/ticks/tick-store.js';
import { startClickHouseFixture, type ClickHouseFixture } from '../helpers/clickhouse-fixture.js';

function migrationSuite(name: string, open: () => Promise<TickStore>, done: (store: TickStore) => Promise<void>) {
  describe(`ClickHouse migrations: ${name}`, () => {
    let store: TickStore;
    let ch: ClickHouseSql;
    const targets = () => [clickhouseTarget('ticks', ch, { lock: processLock() })];
    const columns = () =>
      ch.query(`SELECT name, type, position FROM system.columns WHERE database = currentDatabase() AND table = 'ticks' ORDER BY position`);
    beforeAll(async () => {
      store = await open();
      await store.start();
      ch = store.clickhouseSql!();
    });
    afterAll(async () => done(store));

    it('applies the ticks table and records it in the ledger', async () => {
      expect((await migrationStatus(targets())).map((r) => r.state)).toEqual(['pending']);
      await migrateUp(targets());
      const ledger = await ch.query<{ version: number; checksum: string }>(`SELECT version, checksum FROM marketgraph_migrations WHERE store = 'ticks'`);
      expect(ledger).toEqual([{ version: 1, checksum: loadMigrations('ticks', 'clickhouse')[0]!.checksum }]);
      expect(await store.count()).toBe(0);
    });

    it('refuses the destructive down without allowDataLoss', async () => {
      await expect(migrateDown(targets(), { to: 0 })).rejects.toThrow(/ticks 0001_initial down can lose data/);
      expect((await migrationStatus(targets())).map((r) => r.state)).toEqual(['applied']);
    });

    it('gives back the same table after down to 0 and up again', async () => {
      const before = await columns();
      expect(before).toHaveLength(8);
      await migrateDown(targets(), { to: 0, allowDataLoss: true });
      expect(await columns()).toEqual([]);
      expect(await ch.query(`SELECT version FROM marketgraph_migrations WHERE store = 'ticks'`)).toEqual([]);
      await migrateUp(targets());
      expect(await columns()).toEqual(before);
      expect((await migrationStatus(targets())).map((r) => r.state)).toEqual(['applied']);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'marketgraph-chdb-migrations-'));
migrationSuite('chDB', async () => createChdbTickStore(dir), async (store) => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let fixture: ClickHouseFixture | undefined;
migrationSuite(
  'HTTP (test fixture: chDB behind the HTTP interface)',
  async () => {
    fixture = await startClickHouseFixture();
    return createClickHouseTickStore({ url: fixture.url, database: 'marketgraph', username: 'default', password: '', requestTimeoutMs: 10_000 });
  },
  async (store) => {
    await store.close();
    await fixture?.stop();
  },
);
