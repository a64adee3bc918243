import { cachedCandles } from '../../candles/candle-cache.js';
import type { CandleInterval, StoredTick } from '../../stores/ticks/tick-store.js';
import type { Context } from '../context.js';
import { decodeTickCursor, tickCursor } from '../cursor.js';
import { LIMITS, pageSize } from '../limits.js';
import { checkCandleRange, checkTimeRange } from '../time-range.js';

export interface TicksArgs {
  from?: number | null;
  to?: number | null;
  first?: number | null;
  after?: string | null;
}

/** One page of a symbol's ticks, newest first, Relay-style. */
export async function tickConnection(ctx: Context, symbol: string, args: TicksArgs) {
  const first = pageSize('first', args.first, LIMITS.ticksDefault, LIMITS.ticksMax);
  checkTimeRange(args.from, args.to, Date.now());
  const before = args.after ? decodeTickCursor(args.after) : undefined;
  const rows =
    first === 0
      ? []
      : await ctx.stores.ticks.page({
          symbol,
          from: args.from ?? undefined,
          to: args.to ?? undefined,
          before,
          limit: first + 1, // one more than asked tells whether there is a next page
        });
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: tickCursor(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

export interface CandlesArgs {
  interval: CandleInterval;
  from?: number | null;
  to?: number | null;
  limit?: number | null;
}

export async function candles(ctx: Context, symbol: string, args: CandlesArgs) {
  const limit = pageSize('limit', args.limit, LIMITS.candlesDefault, LIMITS.candlesMax);
  const now = Date.now();
  checkCandleRange(args.interval, args.from, args.to, now);
  if (limit === 0) return [];
  const query = { symbol, interval: args.interval, from: args.from ?? undefined, to: args.to ?? undefined, limit };
  return cachedCandles(ctx.stores.ticks, ctx.stores.cache, query, now);
}

export const tickResolvers = {
  // A tick delivered by the subscription carries the subscriber's place in the stream.
  cursor: (tick: StoredTick & { liveCursor?: string }) => tick.liveCursor ?? tickCursor(tick),
};
