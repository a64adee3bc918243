import type { MutationResolvers } from '../../generated/graphql.js';
import { badInput } from '../../errors.js';

export const mutationResolvers: MutationResolvers = {
  async insertTicks(_, { ticks }, ctx) {
    const max = ctx.config.maxTicksPerInsert;
    if (ticks.length > max) throw badInput(`at most ${max} ticks per insertTicks call; got ${ticks.length}`, 'ticks');
    return ctx.ingest.insertTicks(
      ticks.map((t) => ({
        symbol: t.symbol,
        time: t.time,
        bid: t.bid,
        ask: t.ask,
        last: t.last ?? null,
        volume: t.volume ?? null,
        flags: t.flags ?? null,
      })),
    );
  },

  async upsertInstruments(_, { instruments }, ctx) {
    const seen = new Set<string>();
    instruments.forEach((i, index) => {
      const where = `instruments[${index}]`;
      if (!/^[A-Za-z0-9._#-]{1,32}$/.test(i.symbol))
        throw badInput(`${where}.symbol must be 1 to 32 letters, digits or . _ # -; got "${i.symbol.slice(0, 40)}"`, 'instruments');
      if (seen.has(i.symbol)) throw badInput(`${where}.symbol "${i.symbol}" appears twice in this call`, 'instruments');
      seen.add(i.symbol);
      if (!Number.isInteger(i.digits) || i.digits < 0 || i.digits > 12)
        throw badInput(`${where}.digits must be from 0 to 12; got ${i.digits}`, 'instruments');
      if (i.contractSize != null && !(Number.isFinite(i.contractSize) && i.contractSize > 0))
        throw badInput(`${where}.contractSize must be positive; got ${i.contractSize}`, 'instruments');
      for (const field of ['assetClass', 'baseCurrency', 'quoteCurrency'] as const) {
        if (!i[field].trim()) throw badInput(`${where}.${field} must not be empty`, 'instruments');
      }
    });
    return ctx.stores.relational.upsertInstruments(instruments);
  },
};
