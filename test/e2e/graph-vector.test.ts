import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT } from '../helpers/fixtures.js';
import { callsPerStore, startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
const MINUTE = 60_000;
const now = Math.floor(Date.now() / MINUTE) * MINUTE;

// A small market: majors, two metals, and 40 synthetic pairs to make a batch of 50.
const pair = (symbol: string, base: string, quote: string, sector: string | null, assetClass = 'FX') => ({
  symbol, baseCurrency: base, quoteCurrency: quote, sector, assetClass, digits: 5,
});
const MARKET = [
  pair('EURUSD', 'EUR', 'USD', 'Majors'),
  pair('GBPUSD', 'GBP', 'USD', 'Majors'),
  pair('USDJPY', 'USD', 'JPY', 'Majors'),
  pair('USDCHF', 'USD', 'CHF', 'Majors'),
  pair('EURGBP', 'EUR', 'GBP', 'Majors'),
  pair('XAUUSD', 'XAU', 'USD', 'Metals', 'METAL'),
  pair('XAGUSD', 'XAG', 'USD', 'Metals', 'METAL'),
  pair('AUDNZD', 'AUD', 'NZD', null),
  ...Array.from({ length: 42 }, (_, i) => pair(`S${String(i).padStart(2, '0')}X`, `Q${i}`, `R${i}`, null, 'SYNTH')),
];
const PRICES: Record<string, number> = { EURUSD: 1.08, GBPUSD: 1.26, USDJPY: 150, USDCHF: 0.9, EURGBP: 0.857, XAUUSD: 2300, XAGUSD: 28 };

/** Seeded random numbers, so the test's prices are the same every run. */
function random(seed: number) {
  return () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
}

beforeAll(async () => {
  gw = await startGateway();
  expect((await gw.gql(UPSERT, { instruments: MARKET })).data.upsertInstruments).toBe(MARKET.length);
  // 40 one-minute buckets for everything; XAGUSD moves exactly as XAUUSD does (scaled), so
  // their returns correlate at 1; the others walk independently.
  const rand = random(7);
  const ticks = [];
  const walks = new Map<string, number>();
  for (let m = 40; m >= 1; m--) {
    const step = rand() - 0.5;
    for (const { symbol } of MARKET) {
      const previous = walks.get(symbol) ?? PRICES[symbol] ?? 1 + rand();
      const price = symbol === 'XAGUSD' ? (walks.get('XAUUSD')! / 2300) * 28 : previous * (1 + (symbol === 'XAUUSD' ? step : rand() - 0.5) / 100);
      walks.set(symbol, price);
      ticks.push({ symbol, time: now - m * MINUTE + 1000, bid: price, ask: price * 1.0001 });
    }
  }
  const res = await gw.gql(INSERT, { ticks });
  expect(res.data.insertTicks).toMatchObject({ accepted: ticks.length, rejected: [] });
});
afterAll(() => gw.destroy());

describe('graph', () => {
  it('relates instruments that share a currency or a sector, nearest first', async () => {
    const res = await gw.gql(`{ instrument(symbol: "XAUUSD") { related(depth: 1) { instrument { symbol } kind distance weight } } }`);
    const related = res.data.instrument.related.map((r: any) => `${r.instrument.symbol} ${r.kind} ${r.distance}`);
    expect(related).toContain('XAGUSD SAME_SECTOR 1');
    expect(related).toContain('XAGUSD SHARES_CURRENCY 1');
    expect(related).toContain('EURUSD SHARES_CURRENCY 1');
    // Never the instrument itself. (`not.toContain(expect.stringMatching(…))` compared each
    // string to the matcher object with ===, so it passed whatever the list held: issue 13.)
    expect(related.filter((r: string) => r.startsWith('XAUUSD '))).toEqual([]);
    expect(related.some((r: string) => r.startsWith('AUDNZD'))).toBe(false);
    const twoSteps = await gw.gql(`{ instrument(symbol: "XAUUSD") { related(depth: 2) { instrument { symbol } distance } } }`);
    const distances = twoSteps.data.instrument.related.map((r: any) => r.distance);
    expect(new Set(distances)).toEqual(new Set([1, 2]));
    expect(distances).toEqual([...distances].sort((a: number, b: number) => a - b)); // nearest first
    expect(twoSteps.data.instrument.related.filter((r: any) => r.instrument.symbol === 'XAUUSD')).toEqual([]);
  });

  it('goes further with depth and only along the kinds asked for', async () => {
    const sectorOnly = await gw.gql(`{ instrument(symbol: "EURUSD") { related(depth: 3, kinds: [SAME_SECTOR]) { instrument { symbol } distance } } }`);
    expect(sectorOnly.data.instrument.related.map((r: any) => r.instrument.symbol).sort()).toEqual(['EURGBP', 'GBPUSD', 'USDCHF', 'USDJPY']);
    const deep = await gw.gql(`{ instrument(symbol: "XAUUSD") { related(depth: 2, kinds: [SHARES_CURRENCY]) { instrument { symbol } distance } } }`);
    const eurgbp = deep.data.instrument.related.find((r: any) => r.instrument.symbol === 'EURGBP');
    expect(eurgbp?.distance).toBe(2); // XAUUSD -USD- EURUSD -EUR- EURGBP
    const tooDeep = await gw.gql(`{ instrument(symbol: "XAUUSD") { related(depth: 4) { distance } } }`);
    expect(tooDeep.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('writes CORRELATED edges from tick-store correlations, replacing rather than duplicating them', async () => {
    const refresh = `mutation { refreshCorrelations(interval: M1, window: 40, threshold: 0.99) }`;
    const first = (await gw.gql(refresh)).data.refreshCorrelations;
    expect(first).toBeGreaterThanOrEqual(1);
    expect((await gw.gql(refresh)).data.refreshCorrelations).toBe(first);
    const res = await gw.gql(`{ instrument(symbol: "XAUUSD") { related(kinds: [CORRELATED]) { instrument { symbol } kind weight } } }`);
    const edges = res.data.instrument.related;
    expect(edges.filter((r: any) => r.instrument.symbol === 'XAGUSD')).toHaveLength(1);
    expect(edges.find((r: any) => r.instrument.symbol === 'XAGUSD').weight).toBeCloseTo(1, 6);
  });

  it('finds the shortest conversion path with rates from the latest ticks', async () => {
    const res = await gw.gql(`{ conversionPath(from: "CHF", to: "JPY") { rate steps { instrument { symbol latestTick { bid ask } } from to inverted rate } } }`);
    const path = res.data.conversionPath;
    expect(path.steps.map((s: any) => [s.instrument.symbol, s.from, s.to, s.inverted])).toEqual([
      ['USDCHF', 'CHF', 'USD', true],
      ['USDJPY', 'USD', 'JPY', false],
    ]);
    const mid = (s: any) => (s.instrument.latestTick.bid + s.instrument.latestTick.ask) / 2;
    expect(path.steps[0].rate).toBeCloseTo(1 / mid(path.steps[0]), 12);
    expect(path.rate).toBeCloseTo((1 / mid(path.steps[0])) * mid(path.steps[1]), 9);
    const none = await gw.gql(`{ conversionPath(from: "CHF", to: "NZD") { rate } same: conversionPath(from: "USD", to: "USD") { rate steps { from } } }`);
    expect(none.data.conversionPath).toBeNull();
    expect(none.data.same).toEqual({ rate: 1, steps: [] });
  });
});

describe('price patterns', () => {
  it('stores each instrument\'s pattern and finds the most similar, never the instrument itself', async () => {
    const stored = (await gw.gql(`mutation { refreshPatterns(interval: M1) }`)).data.refreshPatterns;
    expect(stored).toBe(MARKET.length);
    const res = await gw.gql(`{ instrument(symbol: "XAUUSD") { similar(interval: M1, k: 3) { instrument { symbol } distance } } }`);
    const similar = res.data.instrument.similar;
    expect(similar).toHaveLength(3);
    expect(similar[0]).toMatchObject({ instrument: { symbol: 'XAGUSD' } });
    expect(similar[0].distance).toBeCloseTo(0, 6);
    expect(similar.map((s: any) => s.instrument.symbol)).not.toContain('XAUUSD');
    expect(similar.map((s: any) => s.distance)).toEqual([...similar.map((s: any) => s.distance)].sort((a, b) => a - b));
  });

  it('searches by a given vector, filtered by asset class, and refuses a vector of the wrong length', async () => {
    const vector = Array.from({ length: 32 }, (_, i) => Math.sin(i));
    const res = await gw.gql(`query($v: [Float!]!) { similarPatterns(vector: $v, interval: M1, k: 5, assetClass: "METAL") { instrument { symbol assetClass } } }`, { v: vector });
    expect(res.data.similarPatterns.map((s: any) => s.instrument.assetClass)).toEqual(['METAL', 'METAL']);
    const wrong = await gw.gql(`query($v: [Float!]!) { similarPatterns(vector: $v, interval: M1) { distance } }`, { v: [1, 2, 3] });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(wrong.errors?.[0]?.message).toMatch(/32 numbers.*got 3/);
  });
});

describe('batching', () => {
  it('answers related, similar and conversion paths for 50 instruments with one call per store', async () => {
    await gw.gql(`mutation { refreshPatterns(interval: M1) }`);
    gw.resetCalls();
    const res = await gw.gql(`{ instruments(first: 50) { edges { node {
      symbol
      related { instrument { symbol } kind }
      similar(interval: M1, k: 2) { instrument { symbol } distance }
      toUsd: latestTick { bid }
    } } }
    a: conversionPath(from: "CHF", to: "JPY") { rate } b: conversionPath(from: "EUR", to: "JPY") { rate } c: conversionPath(from: "XAU", to: "GBP") { rate }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.instruments.edges).toHaveLength(50);
    expect(gw.calls.get('graph.related')).toBe(1);
    expect(gw.calls.get('graph.conversionPaths')).toBe(1);
    expect(gw.calls.get('vector.similarTo')).toBe(1);
    expect(callsPerStore(gw.calls)).toMatchObject({ graph: 2, vector: 1 });
  });
});
