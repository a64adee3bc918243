import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELATION_KINDS, type GraphInstrument, type GraphStore, type RelationKind } from '../../src/stores/graph/graph-store.js';

/** What every GraphStore adapter must do, run against each one that can start here. */
export function graphStoreContract(name: string, open: () => Promise<GraphStore>, close: (s: GraphStore) => Promise<void> = (s) => s.close()) {
  describe(`GraphStore contract: ${name}`, () => {
    let store: GraphStore;
    // Unique per run, so a shared server keeps no state between runs. Currencies and sectors are
    // vertices shared by every instrument that names them, and replaceCorrelations replaces a whole
    // interval, so currencies, sectors and intervals get the suffix too.
    const run = Math.random().toString(36).slice(2, 7).toUpperCase();
    const s = (symbol: string) => `${symbol}${run}`;
    const c = s;
    const inst = (symbol: string, base: string, quote: string, sector: string | null = null): GraphInstrument => ({
      symbol: s(symbol), baseCurrency: c(base), quoteCurrency: c(quote), sector: sector === null ? null : s(sector),
    });
    const world = [
      inst('EURUSD', 'EUR', 'USD'),
      inst('GBPUSD', 'GBP', 'USD'),
      inst('USDJPY', 'USD', 'JPY'),
      inst('USDCHF', 'USD', 'CHF'),
      inst('EURGBP', 'EUR', 'GBP'),
      inst('AUDJPY', 'AUD', 'JPY'),
      inst('XAUUSD', 'XAU', 'USD', 'Metals'),
      inst('XAGUSD', 'XAG', 'USD', 'Metals'),
      inst('US500', 'SPX', 'USD', 'Indices'),
    ];
    const all = RELATION_KINDS;
    const rel = (symbol: string, kind: RelationKind, distance: number, weight: number | null = null) => ({ symbol: s(symbol), kind, distance, weight });
    const related = async (symbol: string, depth: number, kinds: readonly RelationKind[] = all) =>
      (await store.related([{ symbol: s(symbol), depth, kinds }]))[0];
    const hop = (symbol: string, from: string, to: string, inverted = false) => ({ symbol: s(symbol), from: c(from), to: c(to), inverted });

    beforeAll(async () => {
      store = await open();
      await store.start();
      // start is idempotent: a second start over existing tables and collections works
      await store.close();
      store = await open();
      await store.start();
      await store.syncInstruments(world);
      // Synced twice: vertices and edges are updated, never duplicated.
      await store.syncInstruments(world);
      await store.replaceCorrelations(s('1h'), 48, [
        { a: s('EURUSD'), b: s('GBPUSD'), coefficient: 0.8 },
        { a: s('AUDJPY'), b: s('GBPUSD'), coefficient: -0.3 },
        { a: s('AUDJPY'), b: s('XAGUSD'), coefficient: 0.5 },
        { a: s('XAGUSD'), b: s('XAUUSD'), coefficient: 0.9 },
      ]);
    });
    afterAll(async () => close(store));

    it('lists the instruments one step away at depth 1, once per kind of step, never the origin', async () => {
      expect(await related('EURUSD', 1)).toEqual([
        rel('EURGBP', 'SHARES_CURRENCY', 1),
        rel('GBPUSD', 'CORRELATED', 1, 0.8),
        rel('GBPUSD', 'SHARES_CURRENCY', 1),
        rel('US500', 'SHARES_CURRENCY', 1),
        rel('USDCHF', 'SHARES_CURRENCY', 1),
        rel('USDJPY', 'SHARES_CURRENCY', 1),
        rel('XAGUSD', 'SHARES_CURRENCY', 1),
        rel('XAUUSD', 'SHARES_CURRENCY', 1),
      ]);
    });

    it('adds farther instruments at depth 2 at their fewest steps, keeping nearer ones at theirs', async () => {
      const depth2 = await related('EURUSD', 2);
      // AUDJPY is two steps away by a shared currency (via USDJPY) and by a correlation (via
      // GBPUSD at -0.3 and via XAGUSD at 0.5): the strongest of those last steps is its weight.
      expect(depth2).toEqual([
        ...(await related('EURUSD', 1))!,
        rel('AUDJPY', 'CORRELATED', 2, 0.5),
        rel('AUDJPY', 'SHARES_CURRENCY', 2),
      ].sort((x, y) => x.distance - y.distance));
      // Nothing is further than two steps in this world: depth 3 finds the same.
      expect(await related('EURUSD', 3)).toEqual(depth2);
    });

    it('steps only by the kinds asked for, up to the depth asked for', async () => {
      expect(await related('EURGBP', 3, ['SHARES_CURRENCY'])).toEqual([
        rel('EURUSD', 'SHARES_CURRENCY', 1),
        rel('GBPUSD', 'SHARES_CURRENCY', 1),
        rel('US500', 'SHARES_CURRENCY', 2),
        rel('USDCHF', 'SHARES_CURRENCY', 2),
        rel('USDJPY', 'SHARES_CURRENCY', 2),
        rel('XAGUSD', 'SHARES_CURRENCY', 2),
        rel('XAUUSD', 'SHARES_CURRENCY', 2),
        rel('AUDJPY', 'SHARES_CURRENCY', 3),
      ]);
      expect((await related('EURGBP', 2, ['SHARES_CURRENCY']))!.map((r) => r.symbol)).not.toContain(s('AUDJPY'));

      // EURUSD -0.8- GBPUSD -(-0.3)- AUDJPY -0.5- XAGUSD =Metals= XAUUSD (4 steps, beyond depth 3)
      expect(await related('EURUSD', 3, ['SAME_SECTOR', 'CORRELATED'])).toEqual([
        rel('GBPUSD', 'CORRELATED', 1, 0.8),
        rel('AUDJPY', 'CORRELATED', 2, -0.3),
        rel('XAGUSD', 'CORRELATED', 3, 0.5),
      ]);
      expect(await related('XAUUSD', 1, ['SAME_SECTOR'])).toEqual([rel('XAGUSD', 'SAME_SECTOR', 1)]);
      expect(await related('US500', 3, ['SAME_SECTOR', 'CORRELATED'])).toEqual([]);
      expect(await related('EURUSD', 3, [])).toEqual([]);
    });

    it('answers a batch in query order, [] for an unknown instrument', async () => {
      const lists = await store.related([
        { symbol: s('XAUUSD'), depth: 1, kinds: ['CORRELATED'] },
        { symbol: s('NOSUCH'), depth: 3, kinds: all },
        { symbol: s('XAGUSD'), depth: 1, kinds: ['CORRELATED'] },
        { symbol: s('XAUUSD'), depth: 1, kinds: ['CORRELATED'] },
      ]);
      expect(lists).toEqual([
        [rel('XAGUSD', 'CORRELATED', 1, 0.9)],
        [],
        [rel('AUDJPY', 'CORRELATED', 1, 0.5), rel('XAUUSD', 'CORRELATED', 1, 0.9)],
        [rel('XAGUSD', 'CORRELATED', 1, 0.9)],
      ]);
      expect(await store.related([])).toEqual([]);
    });

    it('finds the shortest conversion chain, inverting a pair when converting from its quote currency', async () => {
      const [chfJpy, eurUsd, usdEur, gbpAud] = await store.conversionPaths([
        { from: c('CHF'), to: c('JPY'), maxHops: 4 },
        { from: c('EUR'), to: c('USD'), maxHops: 1 },
        { from: c('USD'), to: c('EUR'), maxHops: 1 },
        { from: c('GBP'), to: c('AUD'), maxHops: 3 },
      ]);
      expect(chfJpy).toEqual([hop('USDCHF', 'CHF', 'USD', true), hop('USDJPY', 'USD', 'JPY')]);
      expect(eurUsd).toEqual([hop('EURUSD', 'EUR', 'USD')]);
      expect(usdEur).toEqual([hop('EURUSD', 'USD', 'EUR', true)]);
      expect(gbpAud).toEqual([hop('GBPUSD', 'GBP', 'USD'), hop('USDJPY', 'USD', 'JPY'), hop('AUDJPY', 'JPY', 'AUD', true)]);
    });

    it('gives null when no chain fits in maxHops or a currency is unknown, [] from a currency to itself', async () => {
      expect(
        await store.conversionPaths([
          { from: c('CHF'), to: c('JPY'), maxHops: 1 },
          { from: c('GBP'), to: c('AUD'), maxHops: 2 },
          { from: c('EUR'), to: c('EUR'), maxHops: 1 },
          { from: c('ZZZ'), to: c('USD'), maxHops: 4 },
          { from: c('USD'), to: c('ZZZ'), maxHops: 4 },
          { from: c('CHF'), to: c('JPY'), maxHops: 2 },
        ]),
      ).toEqual([null, null, [], null, null, [hop('USDCHF', 'CHF', 'USD', true), hop('USDJPY', 'USD', 'JPY')]]);
      expect(await store.conversionPaths([])).toEqual([]);
    });

    it('replaces the correlations of one interval, keeping other intervals, the newest coefficient winning', async () => {
      const pair = [inst('RPA', 'RPX', 'RPY'), inst('RPB', 'RPV', 'RPW'), inst('RPC', 'RPT', 'RPU')];
      await store.syncInstruments(pair);
      const corr = async () => related('RPA', 1, ['CORRELATED']);

      expect(await store.replaceCorrelations(s('1d'), 20, [{ a: s('RPA'), b: s('RPB'), coefficient: 0.1 }])).toBe(1);
      await pause();
      expect(await store.replaceCorrelations(s('4h'), 20, [
        { a: s('RPB'), b: s('RPA'), coefficient: 0.2 },
        { a: s('RPA'), b: s('RPC'), coefficient: 0.3 },
      ])).toBe(2);
      // RPA-RPB has a coefficient in 1d and in 4h: the one computed last counts, and once.
      expect(await corr()).toEqual([rel('RPB', 'CORRELATED', 1, 0.2), rel('RPC', 'CORRELATED', 1, 0.3)]);

      await pause();
      // Replacing 4h drops its RPA-RPC edge and rewrites RPA-RPB (listed twice: the last wins); 1d is kept.
      expect(await store.replaceCorrelations(s('4h'), 20, [
        { a: s('RPA'), b: s('RPB'), coefficient: 0.4 },
        { a: s('RPB'), b: s('RPA'), coefficient: -0.6 },
      ])).toBe(1);
      expect(await corr()).toEqual([rel('RPB', 'CORRELATED', 1, -0.6)]);

      expect(await store.replaceCorrelations(s('4h'), 20, [])).toBe(0);
      expect(await corr()).toEqual([rel('RPB', 'CORRELATED', 1, 0.1)]);
    });

    it('moves an instrument when it is synced again with other currencies or sector', async () => {
      await store.syncInstruments([inst('MOVER', 'MVA', 'USD', 'Metals')]);
      expect(await related('XAUUSD', 1, ['SAME_SECTOR'])).toContainEqual(rel('MOVER', 'SAME_SECTOR', 1));
      expect((await store.conversionPaths([{ from: c('MVA'), to: c('EUR'), maxHops: 2 }]))[0]).toHaveLength(2);

      await store.syncInstruments([inst('MOVER', 'MVB', 'MVC', null)]);
      expect(await related('XAUUSD', 1, ['SAME_SECTOR'])).toEqual([rel('XAGUSD', 'SAME_SECTOR', 1)]);
      expect(await related('MOVER', 3)).toEqual([]);
      expect(await store.conversionPaths([{ from: c('MVA'), to: c('EUR'), maxHops: 4 }, { from: c('MVC'), to: c('MVB'), maxHops: 1 }]))
        .toEqual([null, [hop('MOVER', 'MVC', 'MVB', true)]]);
    });

    it('treats symbols, currencies and sectors as values, never as query text', async () => {
      const evil = (x: string) => `${x}'"); DROP TABLE graph_instruments; -- \` RETURN 1 // ${run}`;
      await store.syncInstruments([
        { symbol: evil('I'), baseCurrency: evil('C'), quoteCurrency: c('USD'), sector: evil('S') },
        { symbol: evil('J'), baseCurrency: evil('D'), quoteCurrency: evil('C'), sector: evil('S') },
      ]);
      expect(await store.replaceCorrelations(evil('1h'), 5, [{ a: evil('I'), b: evil('J'), coefficient: 0.25 }])).toBe(1);
      expect((await store.related([{ symbol: evil('J'), depth: 1, kinds: all }]))[0]).toEqual([
        { symbol: evil('I'), kind: 'CORRELATED', distance: 1, weight: 0.25 },
        { symbol: evil('I'), kind: 'SAME_SECTOR', distance: 1, weight: null },
        { symbol: evil('I'), kind: 'SHARES_CURRENCY', distance: 1, weight: null },
      ]);
      expect((await store.conversionPaths([{ from: evil('D'), to: c('USD'), maxHops: 2 }]))[0]).toEqual([
        { symbol: evil('J'), from: evil('D'), to: evil('C'), inverted: false },
        { symbol: evil('I'), from: evil('C'), to: c('USD'), inverted: false },
      ]);
      await expect(store.ping()).resolves.toBeUndefined();
      expect(await related('XAUUSD', 1, ['SAME_SECTOR'])).toEqual([rel('XAGUSD', 'SAME_SECTOR', 1)]);
    });
  });
}

// Correlations written in the same millisecond would tie on their time; the adapters break a tie
// deterministically, but this suite means to test "the newest wins", so it waits.
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
