import type { Resolvers } from '../../generated/graphql.js';
import { badInput } from '../../errors.js';
import { RELATION_KINDS, type ConversionHop } from '../../stores/graph/graph-store.js';
import type { StoredTick } from '../../stores/ticks/tick-store.js';
import type { Context } from '../context.js';
import { checkText } from '../input-strings.js';
import { LIMITS } from '../limits.js';

// Currency codes: ISO 4217 and the longer codes of metals and crypto assets.
const CURRENCY = /^[A-Za-z0-9]{2,12}$/;

function inRange(argument: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw badInput(`\`${argument}\` must be a whole number from ${min} to ${max}; got ${value}`, argument);
  return value;
}

const mid = (tick: StoredTick) => (tick.bid + tick.ask) / 2;

/** Units of `to` per unit of `from` for one hop, at the latest tick's mid price. */
async function hopRate(hop: ConversionHop, ctx: Context): Promise<number | null> {
  const tick = await ctx.loaders.latestTick.load(hop.symbol);
  if (!tick) return null;
  return hop.inverted ? 1 / mid(tick) : mid(tick);
}

async function pathRate(hops: ConversionHop[], ctx: Context): Promise<number | null> {
  const rates = await Promise.all(hops.map((hop) => hopRate(hop, ctx)));
  return rates.some((r) => r === null) ? null : rates.reduce<number>((product, r) => product * r!, 1);
}

function conversionQuery(from: string, to: string, maxHops: number) {
  for (const [argument, code] of [['from', from], ['to', to]] as const) {
    if (!CURRENCY.test(code)) throw badInput(`\`${argument}\` must be a currency code such as USD; got "${code.slice(0, 20)}"`, argument);
  }
  return { from, to, maxHops: inRange('maxHops', maxHops, 1, LIMITS.conversionHopsMax) };
}

export const relationResolvers: Resolvers = {
  Instrument: {
    related(instrument, { depth, kinds }, ctx) {
      const query = {
        symbol: instrument.symbol,
        depth: inRange('depth', depth ?? 1, 1, LIMITS.relatedDepthMax),
        kinds: kinds && kinds.length > 0 ? [...new Set(kinds)].sort() : [...RELATION_KINDS],
      };
      return ctx.loaders.related.load(query);
    },
    similar(instrument, { interval, k }, ctx) {
      return ctx.loaders.similar.load({ symbol: instrument.symbol, interval, k: inRange('k', k ?? 5, 1, LIMITS.similarMax) });
    },
  },
  RelatedInstrument: {
    instrument: (relation, _, ctx) => ctx.loaders.instrument.load(relation.symbol).then(required(relation.symbol)),
  },
  SimilarInstrument: {
    instrument: (neighbour, _, ctx) => ctx.loaders.instrument.load(neighbour.symbol).then(required(neighbour.symbol)),
  },
  ConversionPath: {
    steps: (path) => path.hops,
    rate: (path, _, ctx) => pathRate(path.hops, ctx),
  },
  ConversionStep: {
    instrument: (hop, _, ctx) => ctx.loaders.instrument.load(hop.symbol).then(required(hop.symbol)),
    rate: (hop, _, ctx) => hopRate(hop, ctx),
  },
  Account: {
    async balanceIn(account, { currency }, ctx) {
      if (currency === account.currency) return account.balance;
      const hops = await ctx.loaders.conversionPath.load(conversionQuery(account.currency, currency, 3));
      if (!hops) return null;
      const rate = await pathRate(hops, ctx);
      return rate === null ? null : account.balance * rate;
    },
  },
  Query: {
    async conversionPath(_, { from, to, maxHops }, ctx) {
      const hops = await ctx.loaders.conversionPath.load(conversionQuery(from, to, maxHops ?? 3));
      return hops ? { hops } : null;
    },
    async similarPatterns(_, { vector, interval, k, assetClass }, ctx) {
      const dimensions = ctx.stores.vector.dimensions;
      if (vector.length !== dimensions)
        throw badInput(`\`vector\` must have ${dimensions} numbers (the pattern length); got ${vector.length}`, 'vector');
      // Cosine distance needs a direction: a zero vector has none, and the vector store failed on
      // it as if it were down (issue 13). The distance ignores length, so the store gets the unit
      // vector: no component a client picks (1e308, 5e-324) overflows the store's float4 either.
      const largest = Math.max(...vector.map(Math.abs));
      if (!(largest > 0)) throw badInput('`vector` must not be all zeros: cosine distance needs a direction', 'vector');
      const scaled = vector.map((x) => x / largest); // first: the length of 32 × 1e308 overflows
      const norm = Math.hypot(...scaled);
      const [neighbours] = await ctx.stores.vector.nearest([
        {
          vector: scaled.map((x) => (Math.abs(x) < 1e-30 ? 0 : x / norm)), // below float4's range: 0 to it anyway
          interval,
          k: inRange('k', k ?? 10, 1, LIMITS.similarMax),
          assetClass: assetClass == null ? undefined : checkText(assetClass, '`assetClass`', 'assetClass', LIMITS.labelMax),
        },
      ]);
      return neighbours ?? [];
    },
  },
};

/**
 * The graph and vector stores name instruments the relational store should know; one that
 * was deleted there since is reported rather than returned as a null in a non-null field.
 */
function required(symbol: string) {
  return <T>(value: T | null): T => {
    if (value === null) throw new Error(`instrument ${symbol} is referenced but not in the relational store`);
    return value;
  };
}
