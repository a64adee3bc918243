// These tests check the AQL text and bind variables the ArangoDB adapter sends. They do not run it:
// what ArangoDB does with it (traversal results, shortest paths, write semantics) is covered only
// by the graph-store contract suite when ARANGO_URL points at a server.
import { describe, expect, it } from 'vitest';
import {
  conversionPathsAql,
  normalizeCorrelations,
  relatedAql,
  replaceCorrelationsAql,
  syncInstrumentsAql,
} from '../../src/stores/graph/arango-graph-store.js';

const evil = `X" || true RETURN 1 // '); REMOVE @@collection --`;
const marker = 'RETURN 1 //';

/** Fails if a value appears in the query text instead of only in the bind variables. */
function expectValueBound(query: { query: string; bindVars: Record<string, unknown> }, value = evil) {
  expect(query.query).not.toContain(marker);
  expect(JSON.stringify(query.bindVars)).toContain(JSON.stringify(value).slice(1, -1));
  // Collection names are written from constants, never bound from input.
  expect(Object.keys(query.bindVars).filter((k) => k.startsWith('@'))).toEqual([]);
}

const bindNameOf = (query: { bindVars: Record<string, unknown> }, value: unknown) =>
  Object.entries(query.bindVars).find(([, v]) => v === value)?.[0];

describe('relatedAql', () => {
  const query = relatedAql([
    { symbol: evil, depth: 2, kinds: ['CORRELATED'] },
    { symbol: 'EURUSD', depth: 3, kinds: ['SHARES_CURRENCY', 'SAME_SECTOR'] },
  ]);

  it('sends symbols, depths and kinds only as bind variables, one query for the batch', () => {
    expectValueBound(query);
    const queries = Object.values(query.bindVars).find(Array.isArray);
    expect(queries).toEqual([
      { symbol: evil, depth: 2, kinds: ['CORRELATED'] },
      { symbol: 'EURUSD', depth: 3, kinds: ['SHARES_CURRENCY', 'SAME_SECTOR'] },
    ]);
    expect(query.query).toMatch(/^\s*WITH instruments, currencies, sectors\s+FOR q IN @value\d+/);
  });

  it('traverses the named graph in both directions, one hop at a time, one level per step up to each query\'s depth', () => {
    const graph = bindNameOf(query, 'marketgraph');
    expect(graph).toBeDefined();
    // Per level: from the instruments of the previous level, then from the currencies and sectors
    // first reached at this one. Three levels, the port's maximum depth, each skipped unless q.depth reaches it.
    for (const from of ['prev', 'hub']) {
      const hops = query.query.match(new RegExp(`FOR v, e IN 1\\.\\.1 ANY ${from} GRAPH @\\w+`, 'g')) ?? [];
      expect(hops).toHaveLength(3);
      for (const hop of hops) expect(hop.endsWith(`@${graph}`)).toBe(true);
    }
    for (const k of [1, 2, 3]) expect(query.query).toContain(`LET out${k} = q.depth < ${k} ? [] :`);
    expect(query.query).toContain('FILTER v != null && kind IN q.kinds');
    // A currency or sector is expanded once, at the level it is first reached.
    expect(query.query).toContain('LET hubs2 = MINUS(UNIQUE(out2[* FILTER CURRENT.kind != "CORRELATED" RETURN CURRENT.id]), seenHubs1)');
  });

  it('uses the graph name it is given', () => {
    expect(bindNameOf(relatedAql([{ symbol: 'A', depth: 1, kinds: [] }], 'other_graph'), 'other_graph')).toBeDefined();
  });
});

describe('conversionPathsAql', () => {
  const query = conversionPathsAql([{ from: evil, to: 'JPY', maxHops: 2 }]);

  it('sends currencies only as bind variables', () => {
    expectValueBound(query);
    expect(Object.values(query.bindVars)).toContainEqual([{ source: evil, target: 'JPY' }]);
  });

  it('searches a shortest path in either direction over denominated_in edges only, not the whole graph', () => {
    expect(query.query).toContain('FOR v, e IN ANY SHORTEST_PATH source TO target denominated_in');
    // Through the named graph, a correlation or a sector would count as a conversion.
    expect(query.query).not.toContain('GRAPH');
    expect(query.query).not.toContain('correlated');
  });
});

describe('syncInstrumentsAql', () => {
  const queries = syncInstrumentsAql([
    { symbol: evil, baseCurrency: evil, quoteCurrency: 'USD', sector: evil },
    { symbol: 'EURUSD', baseCurrency: 'EUR', quoteCurrency: 'USD', sector: 'FX' },
    { symbol: 'EURUSD', baseCurrency: 'EUR', quoteCurrency: 'USD', sector: null },
  ]);

  it('sends every value as a bind variable, the last of a repeated symbol winning', () => {
    for (const query of queries) expectValueBound(query);
    expect(Object.values(queries[0]!.bindVars)).toContainEqual([
      { symbol: evil, baseCurrency: evil, quoteCurrency: 'USD', sector: evil },
      { symbol: 'EURUSD', baseCurrency: 'EUR', quoteCurrency: 'USD', sector: null },
    ]);
  });

  it('upserts vertices and edges by keys derived from the values, and drops the sector edge of an instrument without sector', () => {
    const [write, unsector] = queries.map((q) => q!.query);
    expect(write).toContain('INTO instruments OPTIONS { overwriteMode: "replace" }');
    expect(write).toContain('INTO currencies OPTIONS { overwriteMode: "ignore" }');
    expect(write).toContain('INTO sectors OPTIONS { overwriteMode: "ignore" }');
    expect(write).toContain('INTO denominated_in OPTIONS { overwriteMode: "replace" }');
    expect(write).toContain('INTO in_sector OPTIONS { overwriteMode: "replace" }');
    expect(write).toContain('_key: SHA1(r.symbol)');
    // AQL allows one write per collection per query: the removal is a query of its own.
    expect(unsector).toContain('FILTER r.sector == null');
    expect(unsector).toContain('REMOVE { _key: SHA1(r.symbol) } IN in_sector');
  });
});

describe('replaceCorrelationsAql', () => {
  const queries = replaceCorrelationsAql(evil, 48, [
    { a: 'B', b: evil, coefficient: 0.5 },
    { a: evil, b: 'B', coefficient: -0.25 },
    { a: 'C', b: 'C', coefficient: 1 },
  ]);

  it('sends interval, window and pairs only as bind variables', () => {
    for (const query of queries) expectValueBound(query);
    expect(Object.values(queries[1]!.bindVars)).toContain(48);
  });

  it('removes only the interval\'s edges that are not rewritten, then writes the rest by key', () => {
    const [remove, write] = queries;
    const interval = bindNameOf(remove!, evil);
    expect(remove!.query).toContain(`FILTER e.interval == @${interval} && e._key NOT IN kept`);
    expect(remove!.query).toContain('REMOVE e IN correlated');
    expect(write!.query).toContain('INTO correlated OPTIONS { overwriteMode: "replace" }');
    expect(write!.query).toContain('computedAt: DATE_NOW()');
  });

  it('stores a pair once, in order, with its last coefficient, and no self-pair', () => {
    expect(normalizeCorrelations([
      { a: 'B', b: 'A', coefficient: 0.5 },
      { a: 'C', b: 'C', coefficient: 1 },
      { a: 'A', b: 'C', coefficient: 0.1 },
      { a: 'A', b: 'B', coefficient: -0.25 },
    ])).toEqual([
      { a: 'A', b: 'C', coefficient: 0.1 },
      { a: 'A', b: 'B', coefficient: -0.25 },
    ]);
    expect(Object.values(queries[1]!.bindVars)).toContainEqual([{ a: 'B', b: evil, coefficient: -0.25 }]);
  });
});
