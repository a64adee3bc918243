import type { Resolvers } from '../../generated/graphql.js';
import { badInput } from '../../errors.js';
import type { InstrumentRow, PositionRow } from '../../stores/relational/relational-store.js';
import type { Context } from '../context.js';
import { decodeKeyCursor, keyCursor } from '../cursor.js';
import { DateTime } from '../datetime.js';
import { checkId, checkSymbol, checkText } from '../input-strings.js';
import { LIMITS, pageSize } from '../limits.js';
import { mutationResolvers } from './mutation.js';
import { relationResolvers } from './relations.js';
import { subscriptionResolvers } from './subscription.js';
import { candles, tickConnection, tickResolvers } from './ticks.js';

/** A Relay connection over rows fetched with one extra row to tell whether more follow. */
function connection<T>(rows: T[], first: number, cursorOf: (row: T) => string) {
  const edges = rows.slice(0, first).map((node) => ({ cursor: cursorOf(node), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}

async function profit(position: PositionRow, ctx: Context): Promise<number | null> {
  const [instrument, tick] = await Promise.all([
    ctx.loaders.instrument.load(position.symbol),
    ctx.loaders.latestTick.load(position.symbol),
  ]);
  if (!instrument || !tick) return null;
  const move = position.side === 'BUY' ? tick.bid - position.openPrice : position.openPrice - tick.ask;
  return move * position.volume * instrument.contractSize;
}

async function instrumentOf(symbol: string, ctx: Context): Promise<InstrumentRow> {
  const instrument = await ctx.loaders.instrument.load(symbol);
  // A foreign key makes this unreachable; say so plainly if the data says otherwise.
  if (!instrument) throw new Error(`position references missing instrument ${symbol}`);
  return instrument;
}

const coreResolvers: Resolvers = {
  DateTime,
  Query: {
    instrument: (_, { symbol }, ctx) => ctx.loaders.instrument.load(checkSymbol(symbol, '`symbol`', 'symbol')),
    async instruments(_, { assetClass, first, after }, ctx) {
      const limit = pageSize('first', first, LIMITS.listDefault, LIMITS.listMax);
      const afterSymbol = after ? checkSymbol(decodeKeyCursor('instrument', after), '`after`', 'after') : undefined;
      const rows = await ctx.stores.relational.listInstruments({
        assetClass: assetClass == null ? undefined : checkText(assetClass, '`assetClass`', 'assetClass', LIMITS.labelMax),
        after: afterSymbol,
        limit: limit + 1,
      });
      for (const row of rows) ctx.loaders.instrument.prime(row.symbol, row);
      return connection(rows, limit, (r) => keyCursor('instrument', r.symbol));
    },
    ticks: (_, { symbol, ...args }, ctx) => tickConnection(ctx, checkSymbol(symbol, '`symbol`', 'symbol'), args),
    candles: (_, { symbol, ...args }, ctx) => candles(ctx, checkSymbol(symbol, '`symbol`', 'symbol'), args),
    account: (_, { id }, ctx) => ctx.loaders.account.load(id),
    async accounts(_, { first, after }, ctx) {
      const limit = pageSize('first', first, LIMITS.listDefault, LIMITS.listMax);
      const afterId = after ? decodeKeyCursor('account', after) : undefined;
      if (afterId !== undefined && !/^\d{1,18}$/.test(afterId)) throw badInput('`after` is not a cursor returned by this list', 'after');
      const rows = await ctx.stores.relational.listAccounts({ after: afterId, limit: limit + 1 });
      for (const row of rows) ctx.loaders.account.prime(row.id, row);
      return connection(rows, limit, (r) => keyCursor('account', r.id));
    },
  },
  Instrument: {
    // A representation is any JSON the client sends: its symbol is checked as an argument's would be.
    __resolveReference: (ref, ctx) => ctx.loaders.instrument.load(checkSymbol(ref.symbol, 'the representation\'s `symbol`', 'representations')),
    latestTick: (instrument, _, ctx) => ctx.loaders.latestTick.load(instrument.symbol),
    ticks: (instrument, args, ctx) => tickConnection(ctx, instrument.symbol, args),
    candles: (instrument, args, ctx) => candles(ctx, instrument.symbol, args),
  },
  Account: {
    __resolveReference: (ref, ctx) => ctx.loaders.account.load(checkId(ref.id, 'the representation\'s `id`', 'representations')),
    positions: (account, _, ctx) => ctx.loaders.positions.load(account.id),
  },
  Position: {
    instrument: (position, _, ctx) => instrumentOf(position.symbol, ctx),
    profit: (position, _, ctx) => profit(position, ctx),
  },
  Tick: tickResolvers,
  Mutation: mutationResolvers,
  Subscription: subscriptionResolvers,
};

/** Resolver maps merged type by type (each file adds fields to shared types such as Instrument). */
function merge(...maps: Resolvers[]): Resolvers {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) merged[type] = Object.assign(merged[type] ?? {}, fields);
  }
  return merged as Resolvers;
}

export const resolvers = merge(coreResolvers, relationResolvers);
