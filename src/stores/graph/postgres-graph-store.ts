import { holdClient } from '../relational/client-holder.js';
import type { SqlClient } from '../relational/sql-client.js';
import type { ConversionHop, GraphStore, Relation } from './graph-store.js';

/**
 * Where one walk row leads, as rows (type, node, cost), for a LATERAL join on the walk row `w`.
 * Nodes are instruments ('I') and the currencies ('C') and sectors ('S') they share: an
 * instrument is half a step from its currencies and sector and a whole step from the instruments
 * it is correlated with, over any interval. Counting in half steps through shared vertices keeps
 * the walk linear: a shared-currency relation is a clique (1,500 stocks quoted in USD are 2.25
 * million instrument pairs, but 1,500 edges to one vertex). Each branch starts from an index
 * lookup and runs only for its type of node and only if the query asks for its kind of step.
 * (The LATERAL ... LIMIT 1 lookups force an index probe: PGlite has no autovacuum, so no
 * statistics, and without them the planner hashed the whole instruments table once per row.)
 */
const walkStepSql = `
  SELECT 'C' AS type, leg.currency AS node, 1 AS cost
  FROM graph_instruments here CROSS JOIN LATERAL (VALUES (here.base_currency), (here.quote_currency)) leg(currency)
  WHERE w.type = 'I' AND here.symbol = w.node AND 'SHARES_CURRENCY' = ANY(q.kinds)
  UNION ALL
  SELECT 'S', here.sector, 1
  FROM graph_instruments here
  WHERE w.type = 'I' AND here.symbol = w.node AND here.sector IS NOT NULL AND 'SAME_SECTOR' = ANY(q.kinds)
  UNION ALL
  SELECT 'I', near.symbol, 2
  FROM graph_correlations pair
  CROSS JOIN LATERAL (SELECT symbol FROM graph_instruments WHERE symbol = pair.b LIMIT 1) near
  WHERE w.type = 'I' AND pair.a = w.node AND 'CORRELATED' = ANY(q.kinds)
  UNION ALL
  SELECT 'I', near.symbol, 2
  FROM graph_correlations pair
  CROSS JOIN LATERAL (SELECT symbol FROM graph_instruments WHERE symbol = pair.a LIMIT 1) near
  WHERE w.type = 'I' AND pair.b = w.node AND 'CORRELATED' = ANY(q.kinds)
  UNION ALL
  SELECT 'I', near.symbol, 1 FROM graph_instruments near WHERE w.type = 'C' AND near.base_currency = w.node
  UNION ALL
  SELECT 'I', near.symbol, 1 FROM graph_instruments near WHERE w.type = 'C' AND near.quote_currency = w.node
  UNION ALL
  SELECT 'I', near.symbol, 1 FROM graph_instruments near WHERE w.type = 'S' AND near.sector = w.node`;

/**
 * Breadth-first for every query of the batch at once. `walk` holds (query, node, h) for every
 * node reachable in exactly h half steps; UNION drops repeated rows, so a level never has more
 * rows than nodes and cycles cost nothing. An instrument's fewest steps is its smallest h / 2.
 * The last step of a shortest path into an instrument at distance d comes from one level closer:
 * SHARES_CURRENCY if one of its currencies was first reached at half step 2d - 1, SAME_SECTOR
 * likewise for its sector, CORRELATED if an instrument correlated with it is at distance d - 1.
 * A pair correlated over several intervals weighs its most recently computed coefficient; of
 * several correlated instruments at distance d - 1, the strongest (largest |coefficient|, then
 * the positive one) gives the weight.
 */
const relatedSql = `
WITH RECURSIVE
q AS (
  SELECT i::int AS i, symbol, depth, string_to_array(kinds, ',') AS kinds
  FROM unnest($1::text[], $2::int[], $3::text[]) WITH ORDINALITY AS q(symbol, depth, kinds, i)
),
walk(i, type, node, h) AS (
  SELECT i, 'I', symbol, 0 FROM q
  UNION
  SELECT w.i, n.type, n.node, w.h + n.cost
  FROM walk w
  JOIN q ON q.i = w.i AND w.h < 2 * q.depth
  CROSS JOIN LATERAL (${walkStepSql}) n
),
reached AS (
  SELECT i, type, node, min(h) AS h FROM walk GROUP BY i, type, node
),
instrument AS (
  SELECT r.i, r.h, g.* FROM reached r JOIN graph_instruments g ON g.symbol = r.node WHERE r.type = 'I' AND r.h > 0
),
-- The nodes each reached instrument is one (half) step from, by kind of step.
adjacent AS (
  SELECT x.i, x.symbol, x.h, 'SHARES_CURRENCY' AS kind, 'C' AS type, leg.node, 1 AS cost, NULL::float8 AS weight
  FROM instrument x CROSS JOIN LATERAL (VALUES (x.base_currency), (x.quote_currency)) leg(node)
  UNION ALL
  SELECT x.i, x.symbol, x.h, 'SAME_SECTOR', 'S', x.sector, 1, NULL FROM instrument x WHERE x.sector IS NOT NULL
  UNION ALL
  SELECT x.i, x.symbol, x.h, 'CORRELATED', 'I', latest.other, 2, latest.coefficient
  FROM instrument x
  JOIN q ON q.i = x.i AND 'CORRELATED' = ANY(q.kinds)
  CROSS JOIN LATERAL (
    SELECT DISTINCT ON (other) other, coefficient
    FROM graph_correlations pair
    CROSS JOIN LATERAL (SELECT CASE WHEN pair.a = x.symbol THEN pair.b ELSE pair.a END AS other) o
    WHERE pair.a = x.symbol OR pair.b = x.symbol
    ORDER BY other, computed_at DESC, interval
  ) latest
)
SELECT a.i, a.symbol, a.kind, a.h / 2 AS distance,
  (array_agg(a.weight ORDER BY abs(a.weight) DESC, a.weight DESC))[1] AS weight
FROM adjacent a
JOIN reached r ON r.i = a.i AND r.type = a.type AND r.node = a.node AND r.h = a.h - a.cost
GROUP BY a.i, a.symbol, a.kind, a.h
ORDER BY a.i, a.h, a.symbol COLLATE "C", a.kind COLLATE "C"`;

/** The conversions out of `currency` (an SQL expression): every instrument is an edge both ways. */
const currencyEdgesSql = (currency: string) => `
  SELECT symbol, quote_currency AS next, false AS inverted FROM graph_instruments WHERE base_currency = ${currency}
  UNION ALL
  SELECT symbol, base_currency, true FROM graph_instruments WHERE quote_currency = ${currency}`;

/**
 * Breadth-first over currencies, in two passes, for every query of the batch at once. `reach`
 * finds each currency's fewest hops from the source, bounded by maxHops and stopping at the
 * target's level (UNION keeps a level no larger than the currencies). `paths` then extends only
 * along hops that go exactly one level further, up to the target's level, so it enumerates
 * shortest paths only, never every path. Of several shortest paths the first by symbols (byte
 * order), then by direction, wins.
 */
const conversionPathsSql = `
WITH RECURSIVE
q AS (
  SELECT i::int AS i, source, target, max_hops
  FROM unnest($1::text[], $2::text[], $3::int[]) WITH ORDINALITY AS q(source, target, max_hops, i)
),
reach(i, currency, hops) AS (
  SELECT i, source, 0 FROM q
  UNION
  SELECT r.i, e.next, r.hops + 1
  FROM (
    -- The working table is one level; once it holds the target, that query's search is done.
    SELECT w.*, bool_or(w.currency = q.target) OVER (PARTITION BY w.i) AS arrived
    FROM reach w JOIN q ON q.i = w.i
  ) r
  JOIN q ON q.i = r.i AND r.hops < q.max_hops AND NOT r.arrived
  CROSS JOIN LATERAL (${currencyEdgesSql('r.currency')}) e
),
level AS (
  SELECT i, currency, min(hops) AS hops FROM reach GROUP BY i, currency
),
goal AS (
  SELECT q.i, q.target, l.hops FROM q JOIN level l ON l.i = q.i AND l.currency = q.target
),
paths(i, currency, hops, symbols, froms, inverted) AS (
  SELECT q.i, q.source, 0, ARRAY[]::text[], ARRAY[]::text[], ARRAY[]::boolean[]
  FROM q JOIN goal g ON g.i = q.i
  UNION ALL
  SELECT s.i, s.next, s.hops + 1, s.symbols || s.symbol, s.froms || s.currency, s.inverted || s.edge_inverted
  FROM (
    -- OFFSET 0 keeps this a subquery, so the few edges out of the paths so far are found first
    -- and then matched to the levels; left to itself the planner crosses paths with every level.
    SELECT p.*, e.symbol, e.next, e.inverted AS edge_inverted
    FROM paths p
    JOIN goal g ON g.i = p.i AND p.hops < g.hops
    CROSS JOIN LATERAL (${currencyEdgesSql('p.currency')}) e
    WHERE p.hops + 1 < g.hops OR e.next = g.target
    OFFSET 0
  ) s
  JOIN level l ON l.i = s.i AND l.currency = s.next AND l.hops = s.hops + 1
)
SELECT DISTINCT ON (p.i) p.i, p.currency AS target, p.symbols, p.froms, p.inverted
FROM paths p JOIN goal g ON g.i = p.i AND p.currency = g.target AND p.hops = g.hops
ORDER BY p.i, p.symbols COLLATE "C", p.inverted`;

interface RelationRow extends Relation {
  i: number;
}

interface PathRow {
  i: number;
  target: string;
  symbols: string[];
  froms: string[];
  inverted: boolean[];
}

function toHops({ target, symbols, froms, inverted }: PathRow): ConversionHop[] {
  return symbols.map((symbol, k) => ({
    symbol,
    from: froms[k]!,
    to: froms[k + 1] ?? target,
    inverted: inverted[k]!,
  }));
}

export interface PostgresGraphStoreOptions {
  /**
   * False when the client is shared (the embedded PGlite also serves the relational store):
   * close() then leaves it open for its owner. Default true.
   */
  ownsClient?: boolean;
}

/**
 * The graph of instruments, currencies and sectors in PostgreSQL: PGlite embedded, or a server
 * through `pg`. Relations are computed by recursive queries over two plain tables.
 */
export function createPostgresGraphStore(
  engine: string,
  connect: () => Promise<SqlClient>,
  { ownsClient = true }: PostgresGraphStoreOptions = {},
): GraphStore {
  const held = holdClient('graph', connect, ownsClient);
  const db = held.db;

  return {
    engine,
    start: held.start, // the tables come from migrations/graph
    sqlClient: db,
    ping: held.ping,
    close: held.close,

    async syncInstruments(instruments) {
      if (instruments.length === 0) return;
      // DISTINCT ON: a symbol listed twice would make ON CONFLICT touch one row twice, an error; the last wins.
      await db().query(
        `INSERT INTO graph_instruments (symbol, base_currency, quote_currency, sector)
         SELECT DISTINCT ON (s) s, b, q, c
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(s, b, q, c, n)
         ORDER BY s, n DESC
         ON CONFLICT (symbol) DO UPDATE SET base_currency = excluded.base_currency,
           quote_currency = excluded.quote_currency, sector = excluded.sector`,
        [
          instruments.map((i) => i.symbol),
          instruments.map((i) => i.baseCurrency),
          instruments.map((i) => i.quoteCurrency),
          instruments.map((i) => i.sector),
        ],
      );
    },

    async replaceCorrelations(interval, window, correlations) {
      // One statement, so readers never see the interval half replaced. The DELETE and the upsert
      // touch disjoint rows (a statement must not modify a row twice): the DELETE drops the pairs
      // that are not in the new set, the upsert writes the new set. A pair is stored once, a < b;
      // a pair listed twice keeps its last coefficient; a self-pair is no edge.
      const { rows } = await db().query<{ n: number }>(
        `WITH fresh AS (
           SELECT DISTINCT ON (least(a, b), greatest(a, b)) least(a, b) AS a, greatest(a, b) AS b, coefficient
           FROM unnest($3::text[], $4::text[], $5::float8[]) WITH ORDINALITY AS t(a, b, coefficient, n)
           WHERE a <> b
           ORDER BY least(a, b), greatest(a, b), n DESC
         ),
         gone AS (
           DELETE FROM graph_correlations c
           WHERE c.interval = $1 AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.a = c.a AND f.b = c.b)
         ),
         written AS (
           INSERT INTO graph_correlations (interval, a, b, coefficient, "window", computed_at)
           SELECT $1, a, b, coefficient, $2, now() FROM fresh
           ON CONFLICT (interval, a, b) DO UPDATE SET coefficient = excluded.coefficient,
             "window" = excluded."window", computed_at = excluded.computed_at
           RETURNING 1
         )
         SELECT count(*)::int AS n FROM written`,
        [interval, window, correlations.map((c) => c.a), correlations.map((c) => c.b), correlations.map((c) => c.coefficient)],
      );
      return rows[0]?.n ?? 0;
    },

    async related(queries) {
      if (queries.length === 0) return [];
      const { rows } = await db().query<RelationRow>(relatedSql, [
        queries.map((q) => q.symbol),
        queries.map((q) => q.depth),
        queries.map((q) => q.kinds.join(',')),
      ]);
      const lists = queries.map((): Relation[] => []);
      for (const { i, ...relation } of rows) lists[i - 1]!.push(relation);
      return lists;
    },

    async conversionPaths(queries) {
      if (queries.length === 0) return [];
      const { rows } = await db().query<PathRow>(conversionPathsSql, [
        queries.map((q) => q.from),
        queries.map((q) => q.to),
        queries.map((q) => q.maxHops),
      ]);
      const paths: (ConversionHop[] | null)[] = queries.map(() => null);
      for (const row of rows) paths[row.i - 1] = toHops(row);
      return paths;
    },
  };
}
