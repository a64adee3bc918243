import type { TickInput } from '../stores/ticks/tick-store.js';

/**
 * How a MetaTrader 5 tick becomes a TickInput, the same in the Expert Advisor (`ToTickInput` in
 * bridge/mt5/MarketgraphBridge.mq5) and in `marketgraph import` of an MT5 export:
 * - time: MT5 gives the broker's server time; the caller converts it to UTC first;
 * - last and volume: 0 in MqlTick (no trade, an FX symbol) is null, not a price of 0;
 * - flags: MqlTick.flags is a uint, the gateway's `flags` a GraphQL Int (signed 32-bit), so
 *   bit 31 is cleared. MT5 defines bits 1 to 6 (TICK_FLAG_BID 2 ... TICK_FLAG_SELL 64): every
 *   flag it documents arrives unchanged.
 */
export interface MqlTick {
  /** Milliseconds since 1970 in the broker's server time (MqlTick.time_msc). */
  time_msc: number;
  bid: number;
  ask: number;
  last: number;
  volume_real: number;
  flags: number;
}

export const mt5Flags = (flags: number): number => flags & 0x7fff_ffff;

export function fromMqlTick(symbol: string, tick: MqlTick, utcMs: number): TickInput {
  return {
    symbol,
    time: utcMs,
    bid: tick.bid,
    ask: tick.ask,
    last: tick.last > 0 ? tick.last : null,
    volume: tick.volume_real > 0 ? tick.volume_real : null,
    flags: mt5Flags(tick.flags),
  };
}

/**
 * The EA's `Symbols` input: "EURUSD.m=EURUSD,XAUUSD.pro=XAUUSD" names the gateway's symbol
 * for each broker symbol; an entry without "=" is sent under its own name, less `stripSuffix`
 * when it ends with it ("EURUSD.m" with ".m" is EURUSD).
 */
export function symbolMap(spec: string, stripSuffix = ''): { broker: string; gateway: string }[] {
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [broker, gateway] = entry.split('=').map((s) => s.trim()) as [string, string | undefined];
      if (gateway) return { broker, gateway };
      return { broker, gateway: stripSuffix && broker.endsWith(stripSuffix) ? broker.slice(0, -stripSuffix.length) : broker };
    });
}
