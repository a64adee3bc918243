import type { TickInput } from '../../src/stores/ticks/tick-store.js';

export const instrument = (symbol: string, extra: Record<string, unknown> = {}) => ({
  symbol,
  description: `${symbol} test instrument`,
  assetClass: 'FX',
  baseCurrency: symbol.slice(0, 3),
  quoteCurrency: symbol.slice(3, 6) || 'USD',
  digits: 5,
  ...extra,
});

export const UPSERT = `mutation Upsert($instruments: [InstrumentInput!]!) { upsertInstruments(instruments: $instruments) }`;
export const INSERT = `mutation Insert($ticks: [TickInput!]!) {
  insertTicks(ticks: $ticks) { accepted duplicates rejected { index reason } }
}`;

/** `count` ticks of `symbol`, one a second from `start`, with a deterministic bid path. */
export function tickSeries(symbol: string, start: number, count: number, stepMs = 1000): TickInput[] {
  return Array.from({ length: count }, (_, i) => {
    const bid = Number((1.1 + Math.sin(i / 7) * 0.01 + i * 0.00001).toFixed(5));
    return { symbol, time: start + i * stepMs, bid, ask: Number((bid + 0.0002).toFixed(5)), last: null, volume: (i % 5) + 1, flags: 6 };
  });
}

/** Ticks as GraphQL TickInput variables (times as ISO strings, as a bridge might send). */
export const asInput = (ticks: TickInput[]) =>
  ticks.map((t) => ({ ...t, time: new Date(t.time).toISOString() }));
