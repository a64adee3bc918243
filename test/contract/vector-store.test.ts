import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import weaviate from 'weaviate-client';
import { openPglite } from '../../src/stores/relational/pglite-client.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { createPgvectorStore } from '../../src/stores/vector/pgvector-store.js';
import { createWeaviateVectorStore } from '../../src/stores/vector/weaviate-vector-store.js';
import { migratePostgres, unmigratePostgres } from '../helpers/migrate.js';
import { vectorStoreContract } from './vector-store.contract.js';
import { testPool, urlInSchema } from '../helpers/postgres-schema.js';

const run = Math.random().toString(36).slice(2, 8);

// --- pgvector on PGlite: always runs. The stores share one client (ownsClient: false), as the
// relational and vector stores do in the gateway, so closing a store must leave it open.
describe('pgvector on PGlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-pgvector-'));
  let shared: Promise<SqlClient> | undefined;
  const client = () => (shared ??= openPglite(dir));
  afterAll(async () => {
    if (shared) await (await shared).close();
    rmSync(dir, { recursive: true, force: true });
  });
  // The migrations run once, with the first length asked for; a store of another length then
  // finds the table made for the first (what the contract checks).
  vectorStoreContract('pgvector (PGlite)', async (dimensions) => {
    await migratePostgres('vector', await client(), dimensions);
    return createPgvectorStore('pglite', client, { dimensions, ownsClient: false });
  });

  describe('through the HNSW index', () => {
    // On the contract's small tables the planner prefers an exact scan and sort. PGlite is one
    // session, so turning sequential scans off here makes every search below go through the index.
    const store = createPgvectorStore('pglite', client, { dimensions: 2, ownsClient: false });
    beforeAll(async () => {
      const db = await client();
      await unmigratePostgres('vector', db);
      await migratePostgres('vector', db, 2);
      await store.start();
      await db.exec('SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off');
    });
    afterAll(async () => {
      const db = await client();
      await db.exec('RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_sort');
      await unmigratePostgres('vector', db);
      await store.close();
    });

    it('keeps searching past the first 40 candidates until k neighbours pass the filter', async () => {
      // angles from 0 to 1.5 radians: the further along, the further from [1, 0]
      const angle = (i: number) => [Math.cos(i / 400), Math.sin(i / 400)];
      const patterns = Array.from({ length: 600 }, (_, i) => ({ symbol: `P${i}`, interval: i % 10 === 0 ? 'rare' : 'common', assetClass: 'FX', vector: angle(i) }));
      await store.upsertPatterns(patterns);
      const db = await client();
      await db.exec('ANALYZE price_patterns');
      const plan = await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT symbol FROM price_patterns WHERE "interval" = 'rare' ORDER BY embedding <=> '[1,0]' LIMIT 50`,
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('price_patterns_embedding');
      const [rare, common] = await store.nearest([
        { vector: [1, 0], interval: 'rare', k: 50 },
        { vector: [1, 0], interval: 'common', k: 100 },
      ]);
      expect(rare!.map((n) => n.symbol)).toEqual(Array.from({ length: 50 }, (_, i) => `P${i * 10}`));
      expect(common).toHaveLength(100);
      const [similar] = await store.similarTo([{ symbol: 'P0', interval: 'rare', k: 45 }]);
      expect(similar!.map((n) => n.symbol)).toEqual(Array.from({ length: 45 }, (_, i) => `P${(i + 1) * 10}`));
    });
  });
});

// --- pgvector on a PostgreSQL server: CI starts one (.ci/services.sh) and sets POSTGRES_URL, but
// Debian 12 ships no pgvector package for PostgreSQL 15, so the suite runs only where the
// server offers the extension; otherwise it is skipped, saying why.
const postgresUrl = process.env.POSTGRES_URL;
const pool = testPool;

async function pgvectorMissing(url: string | undefined): Promise<string | undefined> {
  if (!url) return 'POSTGRES_URL not set';
  const admin = await pool(url);
  try {
    const { rows } = await admin.query<{ version: string }>(`SELECT default_version AS version FROM pg_available_extensions WHERE name = 'vector'`);
    return rows.length ? undefined : 'pgvector not installed on the server';
  } catch (error) {
    return `cannot ask the server: ${(error as Error).message}`;
  } finally {
    await admin.close();
  }
}
const serverSkip = await pgvectorMissing(postgresUrl);

describe.skipIf(serverSkip !== undefined)(`pgvector on a PostgreSQL server${serverSkip ? ` (${serverSkip})` : ''}`, () => {
  // A schema of its own, so a table of another vector length left by other tests cannot interfere.
  const schema = `mg_vector_${run}`;
  const inSchema = urlInSchema(postgresUrl!, schema, 'public');
  let admin: SqlClient;
  beforeAll(async () => {
    admin = await pool(postgresUrl!);
    await admin.exec(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
    await admin.close();
  });
  vectorStoreContract('pgvector (PostgreSQL)', async (dimensions) => {
    const migrations = await pool(inSchema);
    try {
      await migratePostgres('vector', migrations, dimensions);
    } finally {
      await migrations.close();
    }
    return createPgvectorStore('postgres', () => pool(inSchema), { dimensions });
  });
});

// --- Weaviate: CI starts one (.ci/weaviate.sh) and sets WEAVIATE_URL and WEAVIATE_GRPC_PORT.
const weaviateUrl = process.env.WEAVIATE_URL;
const grpcPort = Number(process.env.WEAVIATE_GRPC_PORT ?? 50051);
describe.skipIf(!weaviateUrl)(`Weaviate${weaviateUrl ? '' : ' (WEAVIATE_URL not set)'}`, () => {
  // A collection per run, deleted afterwards: the server may outlive the run.
  const collection = `PricePatternContract${run}`;
  afterAll(async () => {
    const url = new URL(weaviateUrl!);
    const client = await weaviate.connectToLocal({ host: url.hostname, port: Number(url.port), grpcPort });
    try {
      await client.collections.delete(collection);
    } finally {
      await client.close();
    }
  });
  vectorStoreContract('Weaviate', async (dimensions) =>
    createWeaviateVectorStore({ url: weaviateUrl!, grpcPort, collection, dimensions, requestTimeoutMs: 10_000 }),
  );
});
