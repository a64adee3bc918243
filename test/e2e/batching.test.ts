import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { callsPerStore, startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD', 'USDCAD', 'XAUUSD'];

beforeAll(async () => {
  gw = await startGateway();
  await gw.gql(UPSERT, { instruments: SYMBOLS.map((s) => instrument(s, { contractSize: 1000 })) });
  const time = Date.now() - 10_000;
  // Ticks for all but the last symbol: a position on XAUUSD has no price, so no profit.
  await gw.gql(INSERT, {
    ticks: SYMBOLS.slice(0, -1).map((symbol, i) => ({ symbol, time, bid: 1 + i, ask: 1.5 + i })),
  });
  const relational = gw.app.stores.relational;
  const accounts = await relational.createAccounts(
    Array.from({ length: 50 }, (_, i) => ({ login: `L${i}`, name: `Trader ${i}`, currency: 'USD', balance: 1000 + i })),
  );
  await relational.createPositions(
    accounts.flatMap((a, i) => [
      { accountId: a.id, symbol: SYMBOLS[i % SYMBOLS.length]!, side: 'BUY' as const, volume: 1, openPrice: 1, openTime: time },
      { accountId: a.id, symbol: SYMBOLS[(i + 1) % SYMBOLS.length]!, side: 'SELL' as const, volume: 2, openPrice: 3, openTime: time },
    ]),
  );
});
afterAll(() => gw.destroy());

describe('batching with DataLoader', () => {
  it('resolves 50 accounts with positions, instruments and latest ticks in one round trip per store', async () => {
    // Positions of these accounts need ticks the cache has never seen: start it cold.
    await gw.app.stores.cache.close();
    gw.resetCalls();
    const res = await gw.gql(`{
      accounts(first: 50) { edges { node { id name balance positions {
        id side volume openPrice profit instrument { symbol digits latestTick { bid ask } }
      } } } }
    }`);
    expect(res.errors).toBeUndefined();
    const accounts = res.data.accounts.edges.map((e: any) => e.node);
    expect(accounts).toHaveLength(50);
    expect(accounts.flatMap((a: any) => a.positions)).toHaveLength(100);

    // relational: the accounts page, then one batch of positions, then one batch of instruments
    expect(Object.fromEntries(gw.calls)).toEqual({
      'relational.listAccounts': 1,
      'relational.positionsByAccountIds': 1,
      'relational.instrumentsBySymbols': 1,
      'cache.getLatest': 1,
      'cache.offerLatest': 1,
      'ticks.latest': 1,
    });
    expect(callsPerStore(gw.calls)).toEqual({ relational: 3, cache: 2, ticks: 1 });
  });

  it('computes profit from the latest tick: a BUY closes at the bid, a SELL at the ask', async () => {
    const res = await gw.gql(`{ accounts(first: 6) { edges { node { positions { side volume openPrice profit instrument { symbol latestTick { bid ask } } } } } } }`);
    for (const account of res.data.accounts.edges) {
      for (const p of account.node.positions) {
        const tick = p.instrument.latestTick;
        if (!tick) {
          expect(p.profit).toBeNull();
          continue;
        }
        const move = p.side === 'BUY' ? tick.bid - p.openPrice : p.openPrice - tick.ask;
        expect(p.profit).toBeCloseTo(move * p.volume * 1000, 9);
      }
    }
  });

  it('resolves many entity references through the same loaders', async () => {
    gw.resetCalls();
    const res = await gw.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Instrument { symbol latestTick { bid } } ... on Account { login } } }`,
      { r: [...SYMBOLS.map((symbol) => ({ __typename: 'Instrument', symbol })), { __typename: 'Account', id: '1' }, { __typename: 'Account', id: '2' }] },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data._entities.map((e: any) => e.symbol ?? e.login)).toEqual([...SYMBOLS, 'L0', 'L1']);
    expect(gw.calls.get('relational.instrumentsBySymbols')).toBe(1);
    expect(gw.calls.get('relational.accountsByIds')).toBe(1);
  });
});

