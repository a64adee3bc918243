import { Database } from 'arangojs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError, type MigrationTarget } from '../../src/migrations/migration.js';
import { moduleTarget } from '../../src/migrations/module-target.js';
import { migrateDown, migrateUp } from '../../src/migrations/run-migrations.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { ledgerDatabase, ledgerRows, modulesAs } from './module-ledger.js';

// No ArangoDB in CI: this suite runs where ARANGO_URL points at a server (user root, no password
// unless ARANGO_PASSWORD), and is skipped visibly elsewhere.
const arangoUrl = process.env.ARANGO_URL;
const postgresUrl = process.env.POSTGRES_URL;
const run = Math.random().toString(36).slice(2, 8);

describe.skipIf(!arangoUrl || !postgresUrl)(`ArangoDB migrations${arangoUrl && postgresUrl ? '' : ' (ARANGO_URL or POSTGRES_URL not set)'}`, () => {
  const store = `graph_${run}`;
  const databaseName = `mg_migrations_${run}`;
  const auth = { username: 'root', password: process.env.ARANGO_PASSWORD ?? '' };
  let system: Database;
  let db: Database;
  let ledger: SqlClient;
  let drop: () => Promise<void>;
  let target: MigrationTarget;

  beforeAll(async () => {
    ({ ledger, drop } = await ledgerDatabase(postgresUrl!, `mg_arango_migrations_${run}`));
    system = new Database({ url: arangoUrl!, auth });
    db = await system.createDatabase(databaseName);
    target = moduleTarget(store, 'arangodb', { db, graph: 'marketgraph' }, ledger, await modulesAs('graph', 'arangodb', store));
  });
  afterAll(async () => {
    await system?.dropDatabase(databaseName).catch(() => undefined);
    system?.close();
    await drop?.();
  });

  const shape = async () => ({
    collections: (await db.listCollections()).map((c) => [c.name, c.type]).sort(),
    graphs: (await db.listGraphs()).map((g) => [g.name, g.edgeDefinitions]),
    indexes: (await db.collection('correlated').indexes()).map((i) => [i.name, i.type, i.fields]),
  });

  it('creates the collections, the named graph and the index, and records the checksum', async () => {
    await migrateUp([target]);
    const made = await shape();
    expect(made.collections).toHaveLength(6);
    expect(made.graphs.map(([name]) => name)).toEqual(['marketgraph']);
    expect(made.indexes).toContainEqual(['correlated_interval', 'persistent', ['interval']]);
    expect(await ledgerRows(ledger, `${store}:arangodb`)).toEqual([{ version: 1, checksum: target.migrations[0]!.checksum }]);
  });

  it('refuses to drop without allowDataLoss; drops everything on down; up gives the same again', async () => {
    const before = await shape();
    await expect(migrateDown([target], { to: 0 })).rejects.toThrow(MigrationError);
    await migrateDown([target], { to: 0, allowDataLoss: true });
    expect((await shape()).collections).toEqual([]);
    expect(await ledgerRows(ledger, `${store}:arangodb`)).toEqual([]);
    await migrateUp([target]);
    expect(await shape()).toEqual(before);
  });
});
