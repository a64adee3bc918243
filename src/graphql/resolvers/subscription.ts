import type { SubscriptionResolvers } from '../../generated/graphql.js';
import { badInput } from '../../errors.js';
import { checkSymbol } from '../input-strings.js';
import { LIMITS } from '../limits.js';
import { QueueDelivery, SocketDelivery } from '../live-delivery.js';
import type { LiveTick } from '../tick-hub.js';

// Ticks an operation outside a WebSocket may fall behind by before it is dropped.
const QUEUE_LIMIT = 10_000;

export const subscriptionResolvers: SubscriptionResolvers = {
  ticks: {
    async subscribe(_, { symbols, after }, ctx, info) {
      if (symbols.length === 0) throw badInput('`symbols` must name at least one instrument', 'symbols');
      if (symbols.length > LIMITS.subscriptionSymbolsMax)
        throw badInput(`at most ${LIMITS.subscriptionSymbolsMax} symbols per subscription; got ${symbols.length}`, 'symbols');
      symbols.forEach((s, i) => checkSymbol(s, `symbols[${i}]`, 'symbols'));
      const from = after == null ? undefined : ctx.hub.positionsOf(after); // before any store is asked
      const instruments = await ctx.stores.relational.instrumentsBySymbols(symbols);
      const unknown = symbols.filter((_, i) => instruments[i] == null);
      if (unknown.length > 0) throw badInput(`unknown symbols: ${unknown.slice(0, 10).join(', ')}`, 'symbols');
      // Over a WebSocket a tick is serialized once per subscription shape and written to the
      // socket directly; otherwise graphql-js executes it per subscriber.
      const delivery = ctx.live ? new SocketDelivery(ctx.live, info) : new QueueDelivery(QUEUE_LIMIT);
      const subscription = ctx.hub.subscribe(symbols, delivery, from);
      delivery.onEnd = subscription.close;
      try {
        await subscription.ready;
      } catch (error) {
        delivery.end();
        throw error;
      }
      return delivery;
    },
    resolve: (event: LiveTick) => ({ ...event.tick, liveCursor: event.cursor }),
  },
};
