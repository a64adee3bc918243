import { syncGraph } from '../analytics/all-instruments.js';
import { refreshCorrelations } from '../analytics/correlations.js';
import { refreshPatterns } from '../analytics/patterns.js';
import type { TickIngest } from '../ingest/tick-ingest.js';
import type { Logger } from '../logger.js';
import type { InstrumentInput } from '../stores/relational/relational-store.js';
import type { Stores } from '../stores/stores.js';
import type { TickInput } from '../stores/ticks/tick-store.js';

type DemoInstrument = InstrumentInput & { price: number };

const MAJOR_CURRENCIES = new Set(['EUR', 'GBP', 'USD', 'JPY', 'CHF']);

const fx = (symbol: string, price: number, digits = 5): DemoInstrument => ({
  symbol,
  description: `${symbol.slice(0, 3)} vs ${symbol.slice(3)}`,
  assetClass: 'FX',
  sector: MAJOR_CURRENCIES.has(symbol.slice(0, 3)) && MAJOR_CURRENCIES.has(symbol.slice(3)) ? 'Majors' : 'Commodity FX',
  baseCurrency: symbol.slice(0, 3),
  quoteCurrency: symbol.slice(3),
  digits,
  contractSize: 100_000,
  price,
});

export const DEMO_INSTRUMENTS: DemoInstrument[] = [
  fx('EURUSD', 1.085),
  fx('GBPUSD', 1.265),
  fx('USDJPY', 151.2, 3),
  fx('USDCHF', 0.885),
  fx('AUDUSD', 0.655),
  fx('USDCAD', 1.365),
  fx('NZDUSD', 0.605),
  fx('EURGBP', 0.858),
  fx('EURJPY', 164.1, 3),
  fx('GBPJPY', 191.3, 3),
  { symbol: 'XAUUSD', sector: 'Metals', description: 'Gold vs US Dollar', assetClass: 'METAL', baseCurrency: 'XAU', quoteCurrency: 'USD', digits: 2, contractSize: 100, price: 2350 },
  { symbol: 'XAGUSD', sector: 'Metals', description: 'Silver vs US Dollar', assetClass: 'METAL', baseCurrency: 'XAG', quoteCurrency: 'USD', digits: 3, contractSize: 5000, price: 28.5 },
  { symbol: 'US500', sector: 'Indices', description: 'S&P 500 index CFD', assetClass: 'INDEX', baseCurrency: 'USD', quoteCurrency: 'USD', digits: 1, contractSize: 1, price: 5200 },
  { symbol: 'BTCUSD', sector: 'Crypto', description: 'Bitcoin vs US Dollar', assetClass: 'CRYPTO', baseCurrency: 'BTC', quoteCurrency: 'USD', digits: 2, contractSize: 1, price: 67000 },
  { symbol: 'ETHUSD', sector: 'Crypto', description: 'Ether vs US Dollar', assetClass: 'CRYPTO', baseCurrency: 'ETH', quoteCurrency: 'USD', digits: 2, contractSize: 1, price: 3400 },
];

const DAY_MS = 86_400_000;
const TICK_EVERY_MS = 5_000; // one tick per instrument every 5 s: 17,280 a day each
const INSERT_BATCH = 50_000;

/** Seeded pseudo-random numbers (mulberry32), so every fresh install shows the same demo. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random walk of bid/ask over the last day for one instrument. */
export function demoTicks(instrument: DemoInstrument, end: number, rand: () => number): TickInput[] {
  const ticks: TickInput[] = [];
  const pip = 10 ** -instrument.digits;
  const round = (x: number) => Number(x.toFixed(instrument.digits));
  let mid = instrument.price;
  for (let time = end - DAY_MS; time <= end; time += TICK_EVERY_MS) {
    mid *= 1 + (rand() - 0.5) * 0.0004;
    const spread = pip * (5 + Math.floor(rand() * 10));
    const bid = round(mid - spread / 2);
    ticks.push({ symbol: instrument.symbol, time, bid, ask: round(bid + spread), last: null, volume: round(rand() * 10) || 1, flags: 6 });
  }
  return ticks;
}

/**
 * Demo instruments, accounts with positions, and a day of ticks: only into an empty store.
 * Returns whether it seeded; `progress` hears one line per step.
 */
export async function seedDemoData(
  stores: Stores,
  ingest: TickIngest,
  logger: Logger,
  progress: (step: string) => void = () => {},
): Promise<boolean> {
  const existing = await stores.relational.listInstruments({ limit: 1 });
  if (existing.length > 0) return false;
  const started = performance.now();
  await stores.relational.upsertInstruments(DEMO_INSTRUMENTS.map(({ price: _, ...i }) => i));

  const rand = random(42);
  const end = Math.floor(Date.now() / 1000) * 1000 - 1000;
  let total = 0;
  for (const [n, instrument] of DEMO_INSTRUMENTS.entries()) {
    progress(`ticks ${n + 1}/${DEMO_INSTRUMENTS.length}: ${instrument.symbol}`);
    const ticks = demoTicks(instrument, end, rand);
    for (let i = 0; i < ticks.length; i += INSERT_BATCH) {
      total += (await ingest.insertTicks(ticks.slice(i, i + INSERT_BATCH))).accepted;
    }
  }

  const accounts = await stores.relational.createAccounts(
    Array.from({ length: 10 }, (_, i) => ({
      login: String(100_001 + i),
      name: `Demo trader ${i + 1}`,
      currency: i % 3 === 0 ? 'EUR' : 'USD',
      balance: 10_000 + i * 2_500,
    })),
  );
  await stores.relational.createPositions(
    accounts.flatMap((account, a) =>
      Array.from({ length: 1 + (a % 4) }, (_, p) => {
        const instrument = DEMO_INSTRUMENTS[(a * 3 + p) % DEMO_INSTRUMENTS.length]!;
        return {
          accountId: account.id,
          symbol: instrument.symbol,
          side: (a + p) % 2 === 0 ? ('BUY' as const) : ('SELL' as const),
          volume: instrument.assetClass === 'FX' ? 0.1 * (p + 1) : 1,
          openPrice: instrument.price,
          openTime: end - (p + 1) * 3_600_000,
        };
      }),
    ),
  );
  await syncGraph(stores);
  if (stores.stream.kind === 'local') {
    // With a durable stream the sink stores the ticks a moment later; these jobs then wait for a user.
    await refreshCorrelations(stores, 'M5', 288, 0.3, Date.now());
    await refreshPatterns(stores, 'M5', Date.now());
  }
  logger.info({ instruments: DEMO_INSTRUMENTS.length, accounts: accounts.length, ticks: total, ms: Math.round(performance.now() - started) }, 'demo data seeded');
  return true;
}
