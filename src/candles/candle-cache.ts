import type { CacheStore } from '../stores/cache/cache-store.js';
import type { Candle, CandleInterval, CandleQuery, TickStore } from '../stores/ticks/tick-store.js';

/**
 * Candles of closed buckets are cached and never recomputed; the tick store computes only
 * what is still open and the edges of the requested range.
 *
 * The time line is cut into chunks of CHUNK_BUCKETS buckets, aligned to the epoch (so chunk
 * edges are bucket edges). A chunk is closed once it ended CLOSED_AFTER_MS ago: a tick that
 * arrives in time cannot land in it any more. A late tick can, so storing one bumps its
 * symbol's generation, which is part of every chunk key: chunks computed before it are
 * never read again, including one whose computation raced with the late tick.
 */
export const CHUNK_BUCKETS = 120; // 2 hours of M1, 5 days of H1, 120 days of D1
export const CLOSED_AFTER_MS = 60_000; // as long as the accepted clock skew of a tick
const CHUNK_TTL_MS = 24 * 3_600_000; // bounds what a cache holds; a hit renews nothing

export const BUCKET_MS: Record<CandleInterval, number> = {
  M1: 60_000,
  M5: 300_000,
  M15: 900_000,
  M30: 1_800_000,
  H1: 3_600_000,
  H4: 14_400_000,
  D1: 86_400_000,
};

const generationKey = (symbol: string) => `candles:gen:${symbol}`;
const chunkKey = (symbol: string, interval: CandleInterval, generation: string, start: number) =>
  `candles:${interval}:${generation}:${start}:${symbol}`;

interface Range {
  from: number;
  to: number;
}

/** Candles as `TickStore.candles` returns them, taking closed chunks from the cache. */
export async function cachedCandles(ticks: TickStore, cache: CacheStore, q: CandleQuery, now: number): Promise<Candle[]> {
  const bucket = BUCKET_MS[q.interval];
  const chunk = bucket * CHUNK_BUCKETS;
  const end = q.to ?? now + bucket; // the open bucket included
  // Assume no gaps: the `limit` buckets a request can return are the last `limit` up to `end`
  // or, with `from`, the first `limit` from it. A gap shows as too few candles, and then the
  // store answers the query as asked. So the work here follows `limit`, never the span: with
  // `from: 0` on M1 this loop once walked 29 million buckets (issue 13).
  const start = q.from ?? Math.floor((end - 1) / bucket) * bucket - (q.limit - 1) * bucket;
  const stop = q.from === undefined ? end : Math.min(end, Math.floor(q.from / bucket) * bucket + q.limit * bucket);
  const closedBefore = now - CLOSED_AFTER_MS;

  const firstChunk = Math.ceil(start / chunk) * chunk;
  const closedChunks: number[] = [];
  for (let c = firstChunk; c + chunk <= Math.min(stop, closedBefore); c += chunk) closedChunks.push(c);
  if (closedChunks.length === 0) return ticks.candles(q);

  const generation = String((await cache.get(generationKey(q.symbol)).catch(() => undefined)) ?? 0);
  const keys = closedChunks.map((c) => chunkKey(q.symbol, q.interval, generation, c));
  const cached = await cache.getMany(keys).catch(() => keys.map(() => undefined));
  // Missing chunks next to each other are computed by one query, then cached one by one.
  const chunks: Candle[][] = closedChunks.map((_, i) => (cached[i] === undefined ? [] : (JSON.parse(cached[i]!) as Candle[])));
  for (const run of missingRuns(cached)) {
    const from = closedChunks[run.first]!;
    const to = closedChunks[run.last]! + chunk;
    const computed = await range(ticks, q, { from, to }, (run.last - run.first + 1) * CHUNK_BUCKETS);
    for (const candle of computed) chunks[run.first + Math.floor((candle.time - from) / chunk)]!.push(candle);
    await Promise.all(
      closedChunks.slice(run.first, run.last + 1).map((_, k) =>
        cache.set(keys[run.first + k]!, JSON.stringify(chunks[run.first + k]), CHUNK_TTL_MS).catch(() => undefined),
      ),
    );
  }
  const head = { from: start, to: closedChunks[0]! };
  const tail = { from: closedChunks.at(-1)! + chunk, to: stop };
  const [before, after] = await Promise.all([
    head.from < head.to ? range(ticks, q, head, q.limit) : [],
    tail.from < tail.to ? range(ticks, q, tail, q.limit) : [],
  ]);
  const all = [...before, ...chunks.flat(), ...after];
  // A gap: go further than assumed.
  if (all.length < q.limit && (q.from === undefined || stop < end)) return ticks.candles(q);
  return q.from === undefined ? all.slice(-q.limit) : all.slice(0, q.limit);
}

/** Runs of consecutive misses, as inclusive index ranges. */
function missingRuns(cached: (string | undefined)[]): { first: number; last: number }[] {
  const runs: { first: number; last: number }[] = [];
  cached.forEach((hit, i) => {
    if (hit !== undefined) return;
    const run = runs.at(-1);
    if (run && run.last === i - 1) run.last = i;
    else runs.push({ first: i, last: i });
  });
  return runs;
}

function range(ticks: TickStore, q: CandleQuery, r: Range, limit: number): Promise<Candle[]> {
  return ticks.candles({ symbol: q.symbol, interval: q.interval, from: r.from, to: r.to, limit });
}

/**
 * After ticks are stored: late ones retire every cached chunk of their symbols. `oldest` is each
 * stored symbol's oldest time among them (symbol-spans.ts).
 */
export async function retireLateCandles(cache: CacheStore, oldest: ReadonlyMap<string, { readonly oldest: number }>, now: number): Promise<void> {
  const closedBefore = now - CLOSED_AFTER_MS;
  const late: string[] = [];
  for (const [symbol, span] of oldest) if (span.oldest < closedBefore) late.push(symbol);
  await Promise.all(late.map((symbol) => cache.increment(generationKey(symbol))));
}
