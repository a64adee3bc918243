/**
 * A query that crosses every store boundary the schema has (issue 14): instruments (relational)
 * with their latest tick (cache, then ticks), tick page and candles (ticks), related instruments
 * (graph) and similar patterns (vector); accounts with a balance converted along a graph path and
 * positions whose instrument is related again; a conversion path and a pattern search at the
 * root, and the root tick page and candles. PATTERN_LENGTH must be 8 (the `vector` variable).
 */
export const EVERYTHING = `query Everything($vector: [Float!]!, $to: DateTime) {
  instruments(first: 10) { edges { cursor node {
    symbol sector
    latestTick { time bid ask }
    ticks(first: 3, to: $to) { edges { cursor node { time bid } } pageInfo { hasNextPage } }
    candles(interval: M1, to: $to, limit: 3) { time open close ticks }
    related { kind distance instrument { symbol } }
    similar(interval: M1, k: 2) { distance instrument { symbol } }
  } } }
  accounts(first: 10) { edges { node {
    login currency balance balanceIn(currency: "JPY")
    positions { side volume profit instrument { symbol related { kind instrument { symbol } } } }
  } } }
  conversionPath(from: "EUR", to: "JPY") { rate steps { from to inverted rate instrument { symbol } } }
  similarPatterns(vector: $vector, interval: M1, k: 3) { distance instrument { symbol } }
  ticks(symbol: "EURUSD", first: 2, to: $to) { edges { node { bid } } }
  candles(symbol: "EURUSD", interval: M1, to: $to, limit: 2) { close }
}`;

/** A vector of PATTERN_LENGTH 8 to search with. */
export const SEARCH_VECTOR = [1, -1, 2, -2, 1, 0, -1, 3];

export type Path = (string | number)[];

/** Each error as "its.path store", sorted: what failed where, in one comparable list. */
export function errorPaths(errors: { path?: Path; extensions?: Record<string, unknown> }[] | undefined): string[] {
  return (errors ?? []).map((e) => `${(e.path ?? []).join('.')} ${String(e.extensions?.store)}`).sort();
}

/** `data` with null at each of `paths`: what a response should be when exactly those fields failed. */
export function withNulls<T>(data: T, paths: Path[]): T {
  const copy = structuredClone(data) as Record<string | number, any>;
  for (const path of paths) {
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key];
    parent[path.at(-1)!] = null;
  }
  return copy as T;
}
