import DataLoader from 'dataloader';
import type { Stores } from '../stores/stores.js';
import type { ConversionQuery, RelatedQuery } from '../stores/graph/graph-store.js';
import type { StoredTick } from '../stores/ticks/tick-store.js';
import type { SimilarQuery } from '../stores/vector/vector-store.js';

/**
 * DataLoaders, created per request so that one request's cache never serves another.
 * Each batch function makes one call to one store and returns values in key order.
 */
export function createLoaders(stores: Stores) {
  return {
    instrument: new DataLoader((symbols: readonly string[]) => stores.relational.instrumentsBySymbols(symbols)),
    account: new DataLoader((ids: readonly string[]) => stores.relational.accountsByIds(ids)),
    positions: new DataLoader((accountIds: readonly string[]) => stores.relational.positionsByAccountIds(accountIds)),
    latestTick: new DataLoader((symbols: readonly string[]) => latestTicks(stores, symbols)),
    related: new DataLoader((queries: readonly RelatedQuery[]) => stores.graph.related(queries), { cacheKeyFn: JSON.stringify }),
    conversionPath: new DataLoader((queries: readonly ConversionQuery[]) => stores.graph.conversionPaths(queries), {
      cacheKeyFn: JSON.stringify,
    }),
    similar: new DataLoader((queries: readonly SimilarQuery[]) => stores.vector.similarTo(queries), { cacheKeyFn: JSON.stringify }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/**
 * The cache first; the tick store for the symbols the cache does not know. A cache that is
 * down costs speed, not answers: every symbol then comes from the tick store.
 */
async function latestTicks(stores: Stores, symbols: readonly string[]): Promise<(StoredTick | null)[]> {
  const cached = await stores.cache.getLatest(symbols).catch(() => symbols.map(() => undefined));
  const missing = symbols.filter((_, i) => cached[i] === undefined);
  if (missing.length === 0) return cached as StoredTick[];
  const fetched = await stores.ticks.latest(missing);
  await stores.cache.offerLatest(fetched.filter((t): t is StoredTick => t !== null)).catch(() => undefined);
  const bySymbol = new Map(missing.map((s, i) => [s, fetched[i] ?? null]));
  return symbols.map((s, i) => cached[i] ?? bySymbol.get(s) ?? null);
}
