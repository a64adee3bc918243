import { holdClient } from '../relational/client-holder.js';
import type { SqlClient } from '../relational/sql-client.js';
import { checkK, checkVector, type Neighbour, type Pattern, type VectorStore } from './vector-store.js';

export interface PgvectorStoreOptions {
  /** Length of every vector; fixed by the table's `vector(N)` column once created. */
  dimensions: number;
  /** Whether close() closes the client (default true); false when the relational store shares it. */
  ownsClient?: boolean;
}

// pgvector's HNSW index takes at most 2,000 dimensions for the `vector` type (pgvector README, "HNSW").
const MAX_INDEXED_DIMENSIONS = 2_000;

// An HNSW scan yields at most hnsw.ef_search (default 40) rows, before the interval/asset-class
// filter: a filtered search, or any k > 40, would silently return fewer than k neighbours. With
// iterative scans (pgvector >= 0.8) the index keeps searching until LIMIT is met, in exact
// distance order. The setting must hold for this statement only (a pool hands each query any
// connection), so it is set transaction-locally by an uncorrelated sub-select in the outer
// WHERE: PostgreSQL runs it as a one-time filter before any scan starts. Measured on PGlite
// with 5,000 rows, a 25% interval and k = 30: 10 rows without, 30 with.
const iterativeScan = `(SELECT set_config('hnsw.iterative_scan', 'strict_order', true)) IS NOT NULL`;

const nearestSql = `
SELECT q.ord::int AS ord, n.symbol, n.distance
FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) WITH ORDINALITY AS q(v, iv, k, ac, ord)
CROSS JOIN LATERAL (
  SELECT p.symbol, p.embedding <=> q.v::vector AS distance
  FROM price_patterns p
  WHERE p."interval" = q.iv AND (q.ac IS NULL OR p.asset_class = q.ac)
  ORDER BY p.embedding <=> q.v::vector
  LIMIT q.k
) n
WHERE ${iterativeScan}
ORDER BY q.ord, n.distance, n.symbol`;

const similarToSql = `
SELECT q.ord::int AS ord, n.symbol, n.distance
FROM unnest($1::text[], $2::text[], $3::int[]) WITH ORDINALITY AS q(sym, iv, k, ord)
JOIN price_patterns s ON s.symbol = q.sym AND s."interval" = q.iv
CROSS JOIN LATERAL (
  SELECT p.symbol, p.embedding <=> s.embedding AS distance
  FROM price_patterns p
  WHERE p."interval" = q.iv AND p.symbol <> q.sym
  ORDER BY p.embedding <=> s.embedding
  LIMIT q.k
) n
WHERE ${iterativeScan}
ORDER BY q.ord, n.distance, n.symbol`;

/**
 * Price patterns in PostgreSQL with pgvector: PGlite embedded, or a server through `pg`. Every
 * call is one statement, however many patterns or queries it carries.
 */
export function createPgvectorStore(engine: string, connect: () => Promise<SqlClient>, options: PgvectorStoreOptions): VectorStore {
  const { dimensions, ownsClient = true } = options;
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_INDEXED_DIMENSIONS) {
    throw new RangeError(`vector dimensions must be an integer from 1 to ${MAX_INDEXED_DIMENSIONS}, got ${dimensions}`);
  }
  const held = holdClient('vector', connect, ownsClient);
  const db = held.db;

  return {
    engine,
    dimensions,
    async start() {
      // The table comes from migrations/vector (src/migrations) with PATTERN_LENGTH as its vector
      // length; on a new database they run after start. A table made earlier for another length
      // stays as it was (CREATE TABLE IF NOT EXISTS), and every write would then fail: refuse it.
      const client = await held.open();
      const { rows } = await client.query<{ n: number | null }>(
        `SELECT (SELECT atttypmod FROM pg_attribute WHERE attrelid = to_regclass('price_patterns') AND attname = 'embedding') AS n`,
      );
      const existing = rows[0]?.n ?? undefined;
      if (existing !== undefined && existing !== dimensions) {
        throw new Error(`price_patterns.embedding holds vectors of ${existing} dimensions, but this store is configured for ${dimensions}`);
      }
    },
    ping: held.ping,
    close: held.close,
    sqlClient: db,

    async upsertPatterns(patterns) {
      const rows = lastPerKey(patterns);
      rows.forEach((p) => checkVector(p.vector, dimensions));
      if (rows.length === 0) return 0;
      const { rows: result } = await db().query<{ n: number }>(
        `WITH upserted AS (
           INSERT INTO price_patterns AS p (symbol, "interval", asset_class, embedding)
           SELECT s, i, a, v::vector FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(s, i, a, v)
           ON CONFLICT (symbol, "interval") DO UPDATE
             SET asset_class = excluded.asset_class, embedding = excluded.embedding, updated_at = now()
           RETURNING 1)
         SELECT count(*)::int AS n FROM upserted`,
        [rows.map((p) => p.symbol), rows.map((p) => p.interval), rows.map((p) => p.assetClass), rows.map((p) => vectorText(p.vector))],
      );
      return result[0]?.n ?? 0;
    },

    async nearest(queries) {
      queries.forEach((q) => {
        checkVector(q.vector, dimensions);
        checkK(q.k);
      });
      if (queries.length === 0) return [];
      const { rows } = await db().query<NeighbourRow>(nearestSql, [
        queries.map((q) => vectorText(q.vector)),
        queries.map((q) => q.interval),
        queries.map((q) => q.k),
        queries.map((q) => q.assetClass ?? null),
      ]);
      return byQuery(rows, queries.length);
    },

    async similarTo(queries) {
      queries.forEach((q) => checkK(q.k));
      if (queries.length === 0) return [];
      const { rows } = await db().query<NeighbourRow>(similarToSql, [
        queries.map((q) => q.symbol),
        queries.map((q) => q.interval),
        queries.map((q) => q.k),
      ]);
      return byQuery(rows, queries.length);
    },
  };
}

interface NeighbourRow {
  ord: number;
  symbol: string;
  distance: number;
}

/** Rows ordered by (ord, distance), ord 1-based, into one list per query. */
function byQuery(rows: readonly NeighbourRow[], count: number): Neighbour[][] {
  const lists = Array.from({ length: count }, (): Neighbour[] => []);
  for (const { ord, symbol, distance } of rows) lists[ord - 1]!.push({ symbol, distance });
  return lists;
}

// ON CONFLICT DO UPDATE refuses to touch one row twice in a statement; sequential upserts of the
// same key keep the last, so the batch does too.
function lastPerKey(patterns: readonly Pattern[]): Pattern[] {
  return [...new Map(patterns.map((p) => [`${p.symbol}\u0000${p.interval}`, p])).values()];
}

// pgvector's text input: '[1,2.5,-3e-7]'. JavaScript's number-to-string round-trips float4.
function vectorText(vector: readonly number[]): string {
  return `[${vector.join(',')}]`;
}

