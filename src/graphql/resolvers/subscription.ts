import type { SubscriptionResolvers } from '../../generated/graphql.js';
import { badInput } from '../../errors.js';
import type { StoredTick } from '../../stores/ticks/tick-store.js';
import { LIMITS } from '../limits.js';

export const subscriptionResolvers: SubscriptionResolvers = {
  ticks: {
    async subscribe(_, { symbols }, ctx) {
      if (symbols.length === 0) throw badInput('`symbols` must name at least one instrument', 'symbols');
      if (symbols.length > LIMITS.subscriptionSymbolsMax)
        throw badInput(`at most ${LIMITS.subscriptionSymbolsMax} symbols per subscription; got ${symbols.length}`, 'symbols');
      const instruments = await ctx.loaders.instrument.loadMany(symbols);
      const unknown = symbols.filter((_, i) => instruments[i] == null);
      if (unknown.length > 0) throw badInput(`unknown symbols: ${unknown.slice(0, 10).join(', ')}`, 'symbols');
      return ctx.hub.subscribe(symbols);
    },
    resolve: (tick: StoredTick) => tick,
  },
};
