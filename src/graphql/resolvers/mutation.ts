import type { MutationResolvers } from '../../generated/graphql.js';
import { rateKey } from '../../auth/principal.js';
import { refreshCorrelations } from '../../analytics/correlations.js';
import { syncGraph } from '../../analytics/all-instruments.js';
import { refreshPatterns } from '../../analytics/patterns.js';
import { StoreError, badInput } from '../../errors.js';
import { checkSymbol, checkText } from '../input-strings.js';
import { LIMITS } from '../limits.js';
import { checkTickBatch } from '../../ingest/tick-rules.js';

export const mutationResolvers: MutationResolvers = {
  async insertTicks(_, args, ctx) {
    // From the HTTP fast path (set in the context where it is created), or as graphql-js coerced them.
    const ticks =
      ctx.preparedTicks?.ticks ??
      args.ticks.map((t) => ({
        symbol: t.symbol,
        time: t.time,
        bid: t.bid,
        ask: t.ask,
        last: t.last ?? null,
        volume: t.volume ?? null,
        flags: t.flags ?? null,
      }));
    checkTickBatch(ticks, ctx.config.maxTicksPerInsert);
    // Before the ingest queue: a refused batch costs no store call and stores nothing.
    ctx.ingestRateLimit.admit(rateKey(ctx.principal), ticks.length);
    return ctx.ingest.insertTicks(ticks);
  },

  async upsertInstruments(_, { instruments }, ctx) {
    const seen = new Set<string>();
    instruments.forEach((i, index) => {
      const where = `instruments[${index}]`;
      checkSymbol(i.symbol, `${where}.symbol`, 'instruments');
      if (seen.has(i.symbol)) throw badInput(`${where}.symbol "${i.symbol}" appears twice in this call`, 'instruments');
      seen.add(i.symbol);
      if (!Number.isInteger(i.digits) || i.digits < 0 || i.digits > 12)
        throw badInput(`${where}.digits must be from 0 to 12; got ${i.digits}`, 'instruments');
      if (i.contractSize != null && !(Number.isFinite(i.contractSize) && i.contractSize > 0))
        throw badInput(`${where}.contractSize must be positive; got ${i.contractSize}`, 'instruments');
      for (const field of ['assetClass', 'baseCurrency', 'quoteCurrency'] as const) {
        if (!i[field].trim()) throw badInput(`${where}.${field} must not be empty`, 'instruments');
        checkText(i[field], `${where}.${field}`, 'instruments', LIMITS.labelMax);
      }
      if (i.sector != null) checkText(i.sector, `${where}.sector`, 'instruments', LIMITS.labelMax);
      if (i.description != null) checkText(i.description, `${where}.description`, 'instruments', LIMITS.descriptionMax);
    });
    const written = await ctx.stores.relational.upsertInstruments(instruments);
    // The graph's vertices follow the relational store; a graph store that is down is caught
    // up at the next start-up (syncGraph), so this write is not undone for it.
    await syncGraph(ctx.stores, instruments).catch((error: unknown) => {
      throw error instanceof StoreError ? error : new StoreError('graph', 'syncInstruments', error);
    });
    return written;
  },

  refreshCorrelations(_, { interval, window, threshold }, ctx) {
    if (!Number.isInteger(window) || window < 2 || window > LIMITS.correlationWindowMax)
      throw badInput(`\`window\` must be a whole number of buckets from 2 to ${LIMITS.correlationWindowMax}; got ${window}`, 'window');
    if (!(threshold >= 0 && threshold <= 1)) throw badInput(`\`threshold\` must be from 0 to 1; got ${threshold}`, 'threshold');
    return refreshCorrelations(ctx.stores, interval, window, threshold, Date.now());
  },

  refreshPatterns(_, { interval }, ctx) {
    return refreshPatterns(ctx.stores, interval, Date.now());
  },
};
