import { Database } from 'arangojs';
import { aql, join, literal, type AqlQuery } from 'arangojs/aql';
import { isArangoError } from 'arangojs/errors';
import type {
  Correlation,
  ConversionHop,
  ConversionQuery,
  GraphInstrument,
  GraphStore,
  Relation,
  RelatedQuery,
} from './graph-store.js';

// Collection names, written into AQL as text: they are constants, never input.
const INSTRUMENTS = 'instruments';
const CURRENCIES = 'currencies';
const SECTORS = 'sectors';
/** instrument → currency, `role` 'base' or 'quote'. */
const DENOMINATED_IN = 'denominated_in';
/** instrument → sector. */
const IN_SECTOR = 'in_sector';
/** instrument a → instrument b (a < b), one edge per interval; traversed in both directions. */
const CORRELATED = 'correlated';
const name = (collection: string) => literal(collection);
const quoted = (collection: string) => literal(JSON.stringify(collection));

export const DEFAULT_GRAPH_NAME = 'marketgraph';
/** The port's bound on related() depth; the AQL unrolls one breadth-first level per step. */
const MAX_DEPTH = 3;

// ArangoDB error numbers, from its errors.dat.
const DUPLICATE_NAME = 1207; // a collection or database that already exists
const GRAPH_DUPLICATE = 1925;

// Document keys allow only some characters and 254 bytes, symbols and currency codes are free
// text: a key is the SHA1 of the value, computed in AQL so that the value only ever travels as a
// bind variable. The same value gives the same key, so every write is an idempotent upsert by key.
const key = (value: AqlQuery) => aql`SHA1(${value})`;
const id = (collection: string, value: AqlQuery) => aql`CONCAT(${literal(JSON.stringify(`${collection}/`))}, SHA1(${value}))`;

/** The kind of relation an edge is part of: a correlation, a shared sector, else a shared currency. */
const kindOf = (edge: AqlQuery) =>
  aql`(IS_SAME_COLLECTION(${quoted(CORRELATED)}, ${edge}) ? "CORRELATED" : IS_SAME_COLLECTION(${quoted(IN_SECTOR)}, ${edge}) ? "SAME_SECTOR" : "SHARES_CURRENCY")`;

/**
 * One breadth-first level k. From the instruments first reached at level k-1, one hop over the
 * named graph reaches their currencies and sectors and the instruments correlated with them.
 * Currencies and sectors not reached before lead (one more hop) to the instruments that share
 * them; expanding each of these shared vertices once, not once per instrument, keeps a level
 * linear: a shared currency is a clique, 1,500 stocks quoted in USD are 2.25 million pairs.
 * The instruments not reached before are level k, and the hops that led to them are the last
 * steps of their shortest paths: a currency or sector new at this level is one no instrument
 * nearer than k-1 has, so an instrument sharing it is at distance k exactly.
 * One entry per (instrument, kind); a CORRELATED weight is, per instrument it comes from, the
 * coefficient computed last (a pair has an edge per interval), and of those the strongest.
 */
function levelAql(k: number, graph: string): AqlQuery {
  const at = (variable: string, level: number) => literal(`${variable}${level}`);
  const [out, hubs, steps, level, seen, seenHubs, found] = ['out', 'hubs', 'steps', 'level', 'seen', 'seenHubs', 'found'].map((v) => at(v, k));
  const [prevLevel, prevSeen, prevSeenHubs] = [at('level', k - 1), at('seen', k - 1), at('seenHubs', k - 1)];
  return aql`
  LET ${out} = q.depth < ${literal(k)} ? [] : (
    FOR prev IN ${prevLevel}
      FOR v, e IN 1..1 ANY prev GRAPH ${graph}
        LET kind = ${kindOf(aql`e`)}
        FILTER v != null && kind IN q.kinds
        RETURN { prev: prev, id: v._id, symbol: v.symbol, kind: kind, edge: e }
  )
  LET ${hubs} = MINUS(UNIQUE(${out}[* FILTER CURRENT.kind != "CORRELATED" RETURN CURRENT.id]), ${prevSeenHubs})
  LET ${seenHubs} = APPEND(${prevSeenHubs}, ${hubs})
  LET ${steps} = APPEND(
    ${out}[* FILTER CURRENT.kind == "CORRELATED" && CURRENT.id NOT IN ${prevSeen}],
    (
      FOR hub IN ${hubs}
        FOR v, e IN 1..1 ANY hub GRAPH ${graph}
          FILTER v != null && v._id NOT IN ${prevSeen}
          RETURN { prev: hub, id: v._id, symbol: v.symbol, kind: ${kindOf(aql`e`)}, edge: null }
    )
  )
  LET ${level} = UNIQUE(${steps}[*].id)
  LET ${seen} = APPEND(${prevSeen}, ${level})
  LET ${found} = (
    FOR step IN ${steps}
      COLLECT symbol = step.symbol, kind = step.kind INTO grouped = step
      LET weight = kind != "CORRELATED" ? null : FIRST((
        FOR g IN grouped
          COLLECT prev = g.prev INTO edges = g.edge
          LET latest = FIRST((FOR edge IN edges SORT edge.computedAt DESC, edge.interval RETURN edge.coefficient))
          SORT ABS(latest) DESC, latest DESC
          RETURN latest
      ))
      RETURN { symbol: symbol, kind: kind, distance: ${literal(k)}, weight: weight }
  )`;
}

/** related() for a whole batch: one result row per query, in query order. */
export function relatedAql(queries: readonly RelatedQuery[], graph = DEFAULT_GRAPH_NAME): AqlQuery<Relation[]> {
  const levels = Array.from({ length: MAX_DEPTH }, (_, i) => i + 1);
  const rows = queries.map(({ symbol, depth, kinds }) => ({ symbol, depth, kinds }));
  return aql`
WITH ${name(INSTRUMENTS)}, ${name(CURRENCIES)}, ${name(SECTORS)}
FOR q IN ${rows}
  LET origin = DOCUMENT(${id(INSTRUMENTS, aql`q.symbol`)})
  LET level0 = origin == null ? [] : [origin._id]
  LET seen0 = level0
  LET seenHubs0 = []
  ${join(levels.map((k) => levelAql(k, graph)), '\n')}
  RETURN UNION(${join(levels.map((k) => literal(`found${k}`)), ', ')})`;
}

/**
 * conversionPaths() for a whole batch: per query, the shortest path between the two currency
 * vertices over DENOMINATED_IN edges only (the named graph also holds sectors and correlations,
 * which convert nothing), as [currency, instrument, currency, ...] with the role of the currency
 * the path enters each instrument from. SHORTEST_PATH has no depth bound; maxHops is applied to
 * its result. Of several shortest paths ArangoDB returns one of its choosing.
 */
export function conversionPathsAql(queries: readonly ConversionQuery[]): AqlQuery<PathVertex[]> {
  // Not "from"/"to": TO is an AQL keyword.
  const rows = queries.map(({ from, to }) => ({ source: from, target: to }));
  return aql`
WITH ${name(INSTRUMENTS)}, ${name(CURRENCIES)}
FOR q IN ${rows}
  LET source = DOCUMENT(${id(CURRENCIES, aql`q.source`)})
  LET target = DOCUMENT(${id(CURRENCIES, aql`q.target`)})
  RETURN (
    FOR known IN (source != null && target != null && q.source != q.target ? [true] : [])
      FOR v, e IN ANY SHORTEST_PATH source TO target ${name(DENOMINATED_IN)}
        RETURN { code: v.code, symbol: v.symbol, role: e.role }
  )`;
}

/** A vertex of a conversion path: a currency (code) or an instrument (symbol, role of the currency before it). */
export interface PathVertex {
  code?: string;
  symbol?: string;
  role?: 'base' | 'quote' | null;
}

/**
 * syncInstruments() as the steps of one transaction. AQL allows one write per collection per
 * query, and the sector edge needs two (set it, or remove it when the sector became null), so
 * removing it is a second query.
 */
export function syncInstrumentsAql(instruments: readonly GraphInstrument[]): AqlQuery[] {
  // The last of a symbol listed twice wins, as a later sync would.
  const rows = [...new Map(instruments.map((i) => [i.symbol, i])).values()].map(({ symbol, baseCurrency, quoteCurrency, sector }) => ({
    symbol, baseCurrency, quoteCurrency, sector,
  }));
  const instrumentId = id(INSTRUMENTS, aql`r.symbol`);
  return [
    aql`
LET rows = ${rows}
LET newCurrencies = (
  FOR code IN UNIQUE(APPEND(rows[*].baseCurrency, rows[*].quoteCurrency))
    INSERT { _key: ${key(aql`code`)}, code: code } INTO ${name(CURRENCIES)} OPTIONS { overwriteMode: "ignore" }
)
LET newSectors = (
  FOR sector IN UNIQUE(rows[* FILTER CURRENT.sector != null RETURN CURRENT.sector])
    INSERT { _key: ${key(aql`sector`)}, name: sector } INTO ${name(SECTORS)} OPTIONS { overwriteMode: "ignore" }
)
LET newInstruments = (
  FOR r IN rows
    INSERT { _key: ${key(aql`r.symbol`)}, symbol: r.symbol, baseCurrency: r.baseCurrency, quoteCurrency: r.quoteCurrency, sector: r.sector }
    INTO ${name(INSTRUMENTS)} OPTIONS { overwriteMode: "replace" }
)
LET newDenominations = (
  FOR r IN rows
    FOR leg IN [{ role: "base", code: r.baseCurrency }, { role: "quote", code: r.quoteCurrency }]
      INSERT { _key: CONCAT(${key(aql`r.symbol`)}, "-", leg.role), _from: ${instrumentId}, _to: ${id(CURRENCIES, aql`leg.code`)}, role: leg.role }
      INTO ${name(DENOMINATED_IN)} OPTIONS { overwriteMode: "replace" }
)
FOR r IN rows
  FILTER r.sector != null
  INSERT { _key: ${key(aql`r.symbol`)}, _from: ${instrumentId}, _to: ${id(SECTORS, aql`r.sector`)} }
  INTO ${name(IN_SECTOR)} OPTIONS { overwriteMode: "replace" }`,
    aql`
FOR r IN ${rows}
  FILTER r.sector == null
  REMOVE { _key: ${key(aql`r.symbol`)} } IN ${name(IN_SECTOR)} OPTIONS { ignoreErrors: true }`,
  ];
}

/** A pair once, a < b (the order the edge is stored in); a pair listed twice keeps its last coefficient; a self-pair is no edge. */
export function normalizeCorrelations(correlations: readonly Correlation[]): Correlation[] {
  const pairs = new Map<string, Correlation>();
  for (const { a, b, coefficient } of correlations) {
    if (a === b) continue;
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const pair = JSON.stringify([lo, hi]);
    pairs.delete(pair);
    pairs.set(pair, { a: lo, b: hi, coefficient });
  }
  return [...pairs.values()];
}

/**
 * replaceCorrelations() as the steps of one transaction: remove the interval's edges that are not
 * in the new set, then write the new set (an edge's key is derived from interval and pair, so
 * writing it again replaces it). Two queries because AQL allows one write per collection per query.
 */
export function replaceCorrelationsAql(interval: string, window: number, correlations: readonly Correlation[]): AqlQuery[] {
  const rows = normalizeCorrelations(correlations);
  // Three fixed-length hashes side by side: no two (interval, a, b) give the same text.
  const edgeKey = (c: AqlQuery) => aql`SHA1(CONCAT(SHA1(${interval}), SHA1(${c}.a), SHA1(${c}.b)))`;
  return [
    aql`
LET kept = (FOR c IN ${rows} RETURN ${edgeKey(aql`c`)})
FOR e IN ${name(CORRELATED)}
  FILTER e.interval == ${interval} && e._key NOT IN kept
  REMOVE e IN ${name(CORRELATED)}`,
    aql`
FOR c IN ${rows}
  INSERT {
    _key: ${edgeKey(aql`c`)}, _from: ${id(INSTRUMENTS, aql`c.a`)}, _to: ${id(INSTRUMENTS, aql`c.b`)},
    interval: ${interval}, a: c.a, b: c.b, coefficient: c.coefficient, "window": ${window}, computedAt: DATE_NOW()
  } INTO ${name(CORRELATED)} OPTIONS { overwriteMode: "replace" }`,
  ];
}

/** Code-unit order: the same for every engine, unlike a database collation. */
const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
const relationOrder = (x: Relation, y: Relation) => x.distance - y.distance || byText(x.symbol, y.symbol) || byText(x.kind, y.kind);

function toHops(path: readonly PathVertex[]): ConversionHop[] {
  const hops: ConversionHop[] = [];
  for (let k = 1; k + 1 < path.length; k += 2) {
    hops.push({ symbol: path[k]!.symbol!, from: path[k - 1]!.code!, to: path[k + 1]!.code!, inverted: path[k]!.role === 'quote' });
  }
  return hops;
}

export interface ArangoGraphStoreOptions {
  /** `http://host:8529`. */
  url: string;
  /** Created by start() when missing. */
  database: string;
  username?: string;
  password?: string;
  /** The named graph over the collections; created by start() when missing. */
  graphName?: string;
  /** arangojs aborts a request with no answer after this (milliseconds). */
  requestTimeoutMs: number;
}

/** The graph of instruments, currencies and sectors in ArangoDB, as a named graph queried with AQL. */
export function createArangoGraphStore({
  url,
  database,
  username,
  password,
  graphName = DEFAULT_GRAPH_NAME,
  requestTimeoutMs,
}: ArangoGraphStoreOptions): GraphStore {
  const db = new Database({
    url,
    databaseName: database,
    auth: username === undefined ? undefined : { username, password },
    timeout: requestTimeoutMs,
  });
  const ignoring = (errorNum: number) => (error: unknown) => {
    if (!isArangoError(error) || error.errorNum !== errorNum) throw error;
  };
  const run = async <T>(query: AqlQuery<T>): Promise<T[]> => (await db.query(query)).all();
  const inTransaction = async (write: string[], queries: AqlQuery[]) => {
    await db.withTransaction({ write }, async (step) => {
      for (const query of queries) await step(() => db.query(query));
    });
  };

  return {
    engine: 'arangodb',
    arangoDatabase: () => ({ db, graph: graphName }),
    async start() {
      // Gateways starting at once race on every create: losing a race to create is success.
      if (!(await db.exists())) await db.database('_system').createDatabase(database).catch(ignoring(DUPLICATE_NAME));
      for (const collection of [INSTRUMENTS, CURRENCIES, SECTORS]) {
        if (!(await db.collection(collection).exists())) await db.createCollection(collection).catch(ignoring(DUPLICATE_NAME));
      }
      for (const collection of [DENOMINATED_IN, IN_SECTOR, CORRELATED]) {
        if (!(await db.collection(collection).exists())) await db.createEdgeCollection(collection).catch(ignoring(DUPLICATE_NAME));
      }
      const graph = db.graph(graphName);
      if (!(await graph.exists())) {
        await graph
          .create([
            { collection: DENOMINATED_IN, from: INSTRUMENTS, to: CURRENCIES },
            { collection: IN_SECTOR, from: INSTRUMENTS, to: SECTORS },
            { collection: CORRELATED, from: INSTRUMENTS, to: INSTRUMENTS },
          ])
          .catch(ignoring(GRAPH_DUPLICATE));
      }
      // replaceCorrelations finds an interval's edges; edges are found by _from/_to through the edge index.
      await db.collection(CORRELATED).ensureIndex({ type: 'persistent', fields: ['interval'], name: 'correlated_interval' });
    },
    async ping() {
      await run(aql`RETURN 1`);
    },
    async close() {
      db.close();
    },

    async syncInstruments(instruments) {
      if (instruments.length === 0) return;
      await inTransaction([INSTRUMENTS, CURRENCIES, SECTORS, DENOMINATED_IN, IN_SECTOR], syncInstrumentsAql(instruments));
    },

    async replaceCorrelations(interval, window, correlations) {
      await inTransaction([CORRELATED], replaceCorrelationsAql(interval, window, correlations));
      return normalizeCorrelations(correlations).length;
    },

    async related(queries) {
      if (queries.length === 0) return [];
      const lists = await run(relatedAql(queries, graphName));
      return lists.map((list) => list.sort(relationOrder));
    },

    async conversionPaths(queries) {
      if (queries.length === 0) return [];
      const paths = await run(conversionPathsAql(queries));
      return queries.map(({ from, to, maxHops }, i) => {
        if (from === to) return [];
        const path = paths[i] ?? [];
        const hops = toHops(path);
        return hops.length === 0 || hops.length > maxHops ? null : hops;
      });
    },
  };
}
