import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, asInput, instrument, tickSeries } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
const HOUR = 3_600_000;
// Whole hours in the past, so the tests do not depend on the time of day they run.
const base = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;

beforeAll(async () => {
  gw = await startGateway();
  const res = await gw.gql(UPSERT, { instruments: [instrument('EURUSD'), instrument('GBPUSD'), instrument('USDJPY')] });
  expect(res.data.upsertInstruments).toBe(3);
});
afterAll(() => gw.destroy());

describe('insertTicks', () => {
  it('stores valid ticks and serves them newest first, paged by cursor', async () => {
    const ticks = tickSeries('EURUSD', base, 250);
    const res = await gw.gql(INSERT, { ticks: asInput(ticks) });
    expect(res.data.insertTicks).toEqual({ accepted: 250, duplicates: 0, rejected: [] });

    const query = `query($after: String) { ticks(symbol: "EURUSD", first: 100, after: $after) {
      edges { cursor node { symbol time bid ask volume flags } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const { data }: { data?: any } = await gw.gql(query, { after });
      seen.push(...data.ticks.edges.map((e: any) => e.node.time));
      expect(data.ticks.pageInfo.hasNextPage).toBe(page < 2);
      after = data.ticks.pageInfo.endCursor;
    }
    const expected = [...ticks].reverse().map((t) => new Date(t.time).toISOString());
    expect(seen).toEqual(expected);
  });

  it('computes candles in the tick store with OHLC matching the ticks', async () => {
    const { data } = await gw.gql(
      `query($from: DateTime!, $to: DateTime!) { candles(symbol: "EURUSD", interval: M1, from: $from, to: $to) {
        time open high low close volume ticks } }`,
      { from: base, to: base + 250_000 },
    );
    const ticks = tickSeries('EURUSD', base, 250);
    const buckets = new Map<number, typeof ticks>();
    for (const t of ticks) {
      const start = Math.floor(t.time / 60_000) * 60_000;
      buckets.set(start, [...(buckets.get(start) ?? []), t]);
    }
    const expected = [...buckets].map(([start, list]) => ({
      time: new Date(start).toISOString(),
      open: list[0]!.bid,
      high: Math.max(...list.map((t) => t.bid)),
      low: Math.min(...list.map((t) => t.bid)),
      close: list.at(-1)!.bid,
      volume: list.reduce((sum, t) => sum + t.volume!, 0),
      ticks: list.length,
    }));
    expect(data.candles).toEqual(expected);
    expect(data.candles).toHaveLength(5);
  });

  it('returns the newest candles oldest first when only a limit is given', async () => {
    const { data } = await gw.gql(`{ candles(symbol: "EURUSD", interval: M1, limit: 2) { time ticks } }`);
    const last = Math.floor((base + 249_000) / 60_000) * 60_000;
    expect(data.candles.map((c: any) => c.time)).toEqual([
      new Date(last - 60_000).toISOString(),
      new Date(last).toISOString(),
    ]);
  });

  it('stores nothing new when a batch is re-sent', async () => {
    const ticks = tickSeries('GBPUSD', base, 100);
    const first = await gw.gql(INSERT, { ticks: asInput(ticks) });
    expect(first.data.insertTicks).toEqual({ accepted: 100, duplicates: 0, rejected: [] });
    const again = await gw.gql(INSERT, { ticks: asInput(ticks) });
    expect(again.data.insertTicks).toEqual({ accepted: 0, duplicates: 100, rejected: [] });
    const { data } = await gw.gql(`{ ticks(symbol: "GBPUSD", first: 1000) { edges { node { time } } } }`);
    expect(data.ticks.edges).toHaveLength(100);
  });

  it('stores a batch once when copies of it arrive at the same time (a bridge retrying)', async () => {
    // Batches are stored in groups while later ones are checked: the copies overlap the original's insert.
    const start = base + 2 * HOUR;
    const ticks = asInput(tickSeries('USDJPY', start, 5_000));
    const answers = await Promise.all(Array.from({ length: 4 }, () => gw.gql(INSERT, { ticks })));
    const results = answers.map((a) => a.data.insertTicks);
    expect(results.map((r) => r.accepted).sort()).toEqual([0, 0, 0, 5_000]);
    for (const r of results) expect(r.accepted + r.duplicates).toBe(5_000);
    const { data } = await gw.gql(`{ ticks(symbol: "USDJPY", from: ${start}, first: 10000) { edges { node { time } } } }`);
    expect(data.ticks.edges).toHaveLength(5_000);
  });

  it('stores two ticks of the same millisecond that differ in last, volume or flags', async () => {
    const time = base + HOUR;
    const tick = { symbol: 'USDJPY', time, bid: 150.1, ask: 150.2, last: 150.15, volume: 1, flags: 88 };
    const batch = [tick, { ...tick, volume: 2 }, { ...tick, last: 150.16 }, { ...tick, flags: 56 }, { ...tick }];
    const res = await gw.gql(INSERT, { ticks: batch });
    expect(res.data.insertTicks).toEqual({ accepted: 4, duplicates: 1, rejected: [] });
    const { data } = await gw.gql(`query($t: DateTime!) { ticks(symbol: "USDJPY", from: $t, to: $t) { edges { node { last volume flags } } } }`, { t: time });
    expect(data.ticks.edges).toHaveLength(4);
  });

  it('lists invalid ticks with their index and reason and still stores the valid ones', async () => {
    const good = { symbol: 'USDJPY', time: base + 2 * HOUR, bid: 150, ask: 150.02 };
    const batch = [
      good,
      { ...good, symbol: 'NOPE' },
      { ...good, time: base + 2 * HOUR + 1, bid: 151 },
      { ...good, time: base + 2 * HOUR + 2, bid: 0 },
      { ...good, time: base + 2 * HOUR + 3, volume: -1 },
      { ...good, time: Date.UTC(1999, 11, 31) },
      { ...good, time: Date.now() + 5 * 60_000 },
      { ...good, time: base + 2 * HOUR + 4, last: -3 },
      { ...good, time: base + 2 * HOUR + 5 },
    ];
    const res = await gw.gql(INSERT, { ticks: batch });
    const result = res.data.insertTicks;
    expect(result.accepted).toBe(2);
    expect(result.duplicates).toBe(0);
    expect(result.rejected.map((r: any) => r.index)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const reasons = result.rejected.map((r: any) => r.reason);
    expect(reasons[0]).toMatch(/unknown symbol "NOPE"/);
    expect(reasons[1]).toMatch(/bid 151 is greater than ask 150.02/);
    expect(reasons[2]).toMatch(/bid 0 is not a positive/);
    expect(reasons[3]).toMatch(/volume -1 is negative/);
    expect(reasons[4]).toMatch(/before 2000-01-01/);
    expect(reasons[5]).toMatch(/more than 1 minute in the future/);
    expect(reasons[6]).toMatch(/last -3 is not a positive/);
  });

  it('makes latestTick reflect an accepted tick when the mutation returns', async () => {
    const time = Date.now() - 1000;
    await gw.gql(INSERT, { ticks: [{ symbol: 'EURUSD', time, bid: 1.2345, ask: 1.2347 }] });
    const { data } = await gw.gql(`{ instrument(symbol: "EURUSD") { latestTick { time bid ask } } }`);
    expect(data.instrument.latestTick).toEqual({ time: new Date(time).toISOString(), bid: 1.2345, ask: 1.2347 });
  });

  it('accepts a batch of 100,000 ticks in one call', async () => {
    const ticks = tickSeries('GBPUSD', base + 3 * HOUR, 100_000, 100);
    const res = await gw.gql(INSERT, { ticks: ticks.map((t) => ({ ...t })) });
    expect(res.data.insertTicks).toEqual({ accepted: 100_000, duplicates: 0, rejected: [] });
  });

  it('stores every tick of large batches from bridges sending at once, as sent (bodies\' memory is reused)', async () => {
    const symbols = ['AUDUSD', 'NZDUSD', 'USDCAD', 'USDCHF'];
    await gw.gql(UPSERT, { instruments: symbols.map((s) => instrument(s)) });
    // 1,500 ticks a body (~150 KB, above MIN_KEPT_BODY_BYTES), each bridge's bids its own.
    const batchesOf = (k: number) =>
      [0, 1, 2].map((b) => tickSeries(symbols[k]!, base + b * 1_500_000, 1_500).map((t, i) => ({ ...t, bid: 1 + k + (b * 1_500 + i) / 1e6, ask: 2 + k })));
    await Promise.all(
      symbols.map(async (_, k) => {
        for (const batch of batchesOf(k)) {
          const res = await gw.gql(INSERT, { ticks: batch });
          expect(res.data.insertTicks).toEqual({ accepted: 1_500, duplicates: 0, rejected: [] });
        }
      }),
    );
    for (const [k, symbol] of symbols.entries()) {
      const { data } = await gw.gql(`{ ticks(symbol: "${symbol}", first: 5000) { edges { node { time bid ask } } } }`);
      const sent = batchesOf(k).flat().map((t) => ({ time: new Date(t.time).toISOString(), bid: t.bid, ask: t.ask }));
      expect(data.ticks.edges.map((e: any) => e.node).reverse()).toEqual(sent);
    }
  });

  it('answers 413 with a clear error when the body is over the limit', async () => {
    const body = JSON.stringify({ query: INSERT, variables: { ticks: [] }, padding: 'x'.repeat(33 * 1024 * 1024) });
    const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(413);
    const json = (await res.json()) as any;
    expect(json.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    // the gateway still answers afterwards
    expect((await gw.get('/healthz')).status).toBe(200);
  });
});
