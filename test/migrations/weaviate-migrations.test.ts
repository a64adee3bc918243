import weaviate, { type WeaviateClient } from 'weaviate-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError, type MigrationTarget } from '../../src/migrations/migration.js';
import { moduleTarget } from '../../src/migrations/module-target.js';
import { migrateDown, migrateUp, migrationStatus } from '../../src/migrations/run-migrations.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { ledgerDatabase, ledgerRows, modulesAs } from './module-ledger.js';

const weaviateUrl = process.env.WEAVIATE_URL;
const grpcPort = Number(process.env.WEAVIATE_GRPC_PORT ?? 50051);
const postgresUrl = process.env.POSTGRES_URL;
const run = Math.random().toString(36).slice(2, 8);

describe.skipIf(!weaviateUrl || !postgresUrl)(`Weaviate migrations${weaviateUrl && postgresUrl ? '' : ' (WEAVIATE_URL or POSTGRES_URL not set)'}`, () => {
  const store = `vector_${run}`;
  const collection = `PricePatternMigrations${run}`;
  let client: WeaviateClient;
  let ledger: SqlClient;
  let drop: () => Promise<void>;
  let target: MigrationTarget;

  beforeAll(async () => {
    ({ ledger, drop } = await ledgerDatabase(postgresUrl!, `mg_weaviate_migrations_${run}`));
    const url = new URL(weaviateUrl!);
    client = await weaviate.connectToLocal({ host: url.hostname, port: Number(url.port), grpcPort });
    target = moduleTarget(store, 'weaviate', { client, collection, dimensions: 4 }, ledger, await modulesAs('vector', 'weaviate', store));
  });
  afterAll(async () => {
    await client?.collections.delete(collection).catch(() => undefined);
    await client?.close();
    await drop?.();
  });

  /** The collection's definition, as the server reports it. */
  const definition = async () => {
    const config = await client.collections.use(collection).config.get();
    return {
      properties: config.properties.map((p) => [p.name, p.dataType, p.tokenization, p.indexFilterable, p.indexSearchable]),
      vectors: Object.entries(config.vectorizers).map(([name, v]) => [name, v.vectorizer.name, v.indexType, (v.indexConfig as { distance?: string }).distance]),
    };
  };

  it('creates the collection and records the checksum', async () => {
    expect((await migrationStatus([target])).map((r) => [r.version, r.state])).toEqual([[1, 'pending']]);
    await migrateUp([target]);
    expect(await client.collections.exists(collection)).toBe(true);
    expect(await definition()).toEqual({
      properties: [
        ['symbol', 'text', 'field', true, false],
        ['interval', 'text', 'field', true, false],
        ['assetClass', 'text', 'field', true, false],
      ],
      vectors: [['default', 'none', 'hnsw', 'cosine']],
    });
    expect(await ledgerRows(ledger, `${store}:weaviate`)).toEqual([{ version: 1, checksum: target.migrations[0]!.checksum }]);
  });

  it('refuses to drop the collection without allowDataLoss, and leaves it', async () => {
    await expect(migrateDown([target], { to: 0 })).rejects.toThrow(MigrationError);
    expect(await client.collections.exists(collection)).toBe(true);
  });

  it('drops the collection and its ledger row on down, and up gives the same collection again', async () => {
    const before = await definition();
    await migrateDown([target], { to: 0, allowDataLoss: true });
    expect(await client.collections.exists(collection)).toBe(false);
    expect(await ledgerRows(ledger, `${store}:weaviate`)).toEqual([]);
    await migrateUp([target]);
    expect(await definition()).toEqual(before);
  });
});
