import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Neighbour, Pattern, VectorStore } from '../../src/stores/vector/vector-store.js';

const DIMENSIONS = 3;

/**
 * What every VectorStore adapter must do, run against each one that can start here. `open` makes
 * a store of the given vector length over the same storage each time (the start checks need two).
 */
export function vectorStoreContract(
  name: string,
  open: (dimensions: number) => Promise<VectorStore>,
  close: (s: VectorStore) => Promise<void> = (s) => s.close(),
) {
  describe(`VectorStore contract: ${name}`, () => {
    let store: VectorStore;
    // Unique per run, so a shared server keeps no state between runs: every query is scoped by
    // an interval of this run, and every symbol and asset class carries the run too.
    const run = Math.random().toString(36).slice(2, 7).toUpperCase();
    const sym = (s: string) => `${s}${run}`;
    const H1 = `1h${run}`;
    const D1 = `1d${run}`;
    const pattern = (s: string, vector: number[], interval = H1, assetClass = 'FX'): Pattern => ({
      symbol: sym(s), interval, assetClass: `${assetClass}${run}`, vector,
    });
    const symbols = (list: Neighbour[] | undefined) => list?.map((n) => n.symbol);

    beforeAll(async () => {
      store = await open(DIMENSIONS);
      await store.start();
      // start is idempotent: a second start over the existing table/collection works
      await store.close();
      store = await open(DIMENSIONS);
      await store.start();
    });
    afterAll(async () => close(store));

    it('reports its vector length and answers ping', async () => {
      expect(store.dimensions).toBe(DIMENSIONS);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('orders neighbours by cosine distance, nearest first, whatever the vector lengths', async () => {
      expect(
        await store.upsertPatterns([
          pattern('OPP', [-3, 0, 0]),
          pattern('SAME', [5, 0, 0]),
          pattern('ORTH', [0, 2, 0]),
          pattern('DIAG', [1, 1, 0]),
        ]),
      ).toBe(4);
      const [list] = await store.nearest([{ vector: [2, 0, 0], interval: H1, k: 10 }]);
      expect(symbols(list)).toEqual([sym('SAME'), sym('DIAG'), sym('ORTH'), sym('OPP')]);
      // 1 - cos: 0, 1 - 1/sqrt(2), 1, 2 (stored as float32, hence 5 digits)
      [0, 1 - Math.SQRT1_2, 1, 2].forEach((d, i) => expect(list![i]!.distance).toBeCloseTo(d, 5));
    });

    it('returns at most k neighbours, none for k = 0', async () => {
      const [two, none] = await store.nearest([
        { vector: [1, 0, 0], interval: H1, k: 2 },
        { vector: [1, 0, 0], interval: H1, k: 0 },
      ]);
      expect(symbols(two)).toEqual([sym('SAME'), sym('DIAG')]);
      expect(none).toEqual([]);
    });

    it('replaces a pattern written again for the same symbol and interval', async () => {
      expect(await store.upsertPatterns([pattern('SAME', [0, 0, 1], H1, 'METAL')])).toBe(1);
      const [all, fx, metal] = await store.nearest([
        { vector: [0, 0, 1], interval: H1, k: 10 },
        { vector: [0, 0, 1], interval: H1, k: 10, assetClass: `FX${run}` },
        { vector: [0, 0, 1], interval: H1, k: 10, assetClass: `METAL${run}` },
      ]);
      expect(all).toHaveLength(4);
      expect(all![0]).toEqual({ symbol: sym('SAME'), distance: expect.closeTo(0, 5) });
      expect(symbols(fx)).not.toContain(sym('SAME'));
      expect(symbols(metal)).toEqual([sym('SAME')]);
      // back to how it was, for the tests below
      await store.upsertPatterns([pattern('SAME', [5, 0, 0])]);
    });

    it('keeps the last of two writes of one key in a batch', async () => {
      expect(await store.upsertPatterns([pattern('TWICE', [1, 0, 0], D1), pattern('TWICE', [0, 1, 0], D1)])).toBe(1);
      const [list] = await store.nearest([{ vector: [0, 1, 0], interval: D1, k: 10 }]);
      expect(list).toEqual([{ symbol: sym('TWICE'), distance: expect.closeTo(0, 5) }]);
    });

    it('keeps intervals apart: one symbol has one pattern per interval', async () => {
      await store.upsertPatterns([pattern('SAME', [0, -1, 0], D1), pattern('ORTH', [0, -1, -1], D1)]);
      const [h1, d1] = await store.nearest([
        { vector: [0, -1, 0], interval: H1, k: 10 },
        { vector: [0, -1, 0], interval: D1, k: 10 },
      ]);
      expect(h1).toHaveLength(4);
      expect(symbols(d1)).toEqual([sym('SAME'), sym('ORTH'), sym('TWICE')]);
      expect(await store.nearest([{ vector: [1, 0, 0], interval: `other${run}`, k: 10 }])).toEqual([[]]);
    });

    it('filters nearest by asset class', async () => {
      await store.upsertPatterns([pattern('GOLD', [1, 0.1, 0], H1, 'METAL')]);
      const [metal, fx] = await store.nearest([
        { vector: [1, 0, 0], interval: H1, k: 10, assetClass: `METAL${run}` },
        { vector: [1, 0, 0], interval: H1, k: 2, assetClass: `FX${run}` },
      ]);
      expect(symbols(metal)).toEqual([sym('GOLD')]);
      expect(symbols(fx)).toEqual([sym('SAME'), sym('DIAG')]);
    });

    it('finds the patterns similar to a stored one, never the symbol itself', async () => {
      const [list] = await store.similarTo([{ symbol: sym('SAME'), interval: H1, k: 3 }]);
      expect(symbols(list)).toEqual([sym('GOLD'), sym('DIAG'), sym('ORTH')]);
      expect(list![1]!.distance).toBeCloseTo(1 - Math.SQRT1_2, 5);
    });

    it('answers [] for a symbol without a pattern at that interval', async () => {
      expect(
        await store.similarTo([
          { symbol: sym('NOSUCH'), interval: H1, k: 3 },
          { symbol: sym('GOLD'), interval: D1, k: 3 },
          { symbol: sym('SAME'), interval: D1, k: 0 },
        ]),
      ).toEqual([[], [], []]);
    });

    it('answers a whole batch, one list per query in query order', async () => {
      const near = await store.nearest([
        { vector: [0, 1, 0], interval: H1, k: 1 },
        { vector: [1, 0, 0], interval: `other${run}`, k: 5 },
        { vector: [-1, 0, 0], interval: H1, k: 1 },
        { vector: [0, -1, 0], interval: D1, k: 1 },
        { vector: [0, 1, 0], interval: H1, k: 1 },
      ]);
      expect(near.map(symbols)).toEqual([[sym('ORTH')], [], [sym('OPP')], [sym('SAME')], [sym('ORTH')]]);
      const similar = await store.similarTo([
        { symbol: sym('SAME'), interval: D1, k: 1 },
        { symbol: sym('NOSUCH'), interval: H1, k: 1 },
        { symbol: sym('OPP'), interval: H1, k: 1 },
        { symbol: sym('SAME'), interval: H1, k: 1 },
      ]);
      expect(similar.map(symbols)).toEqual([[sym('ORTH')], [], [sym('ORTH')], [sym('GOLD')]]);
      expect(await store.nearest([])).toEqual([]);
      expect(await store.similarTo([])).toEqual([]);
      expect(await store.upsertPatterns([])).toBe(0);
    });

    it('finds k neighbours in a small interval beside a crowded one, and more than 40', async () => {
      // Approximate indexes stop after a fixed candidate list (pgvector's ef_search = 40) and
      // filter afterwards: where such an index is used, a naive filtered search returns fewer than k.
      const random = seeded(7);
      const vector = () => [random() - 0.5, random() - 0.5, random() - 0.5];
      const crowded = Array.from({ length: 400 }, (_, i) => pattern(`C${i}`, vector(), `crowd${run}`));
      const small = Array.from({ length: 60 }, (_, i) => pattern(`S${i}`, vector(), `small${run}`));
      expect(await store.upsertPatterns([...crowded, ...small])).toBe(460);
      const [fromSmall, fromCrowd] = await store.nearest([
        { vector: [1, 1, 1], interval: `small${run}`, k: 50 },
        { vector: [1, 1, 1], interval: `crowd${run}`, k: 100 },
      ]);
      expect(fromSmall).toHaveLength(50);
      expect(fromCrowd).toHaveLength(100);
      expect(fromSmall!.every((n) => n.symbol.startsWith('S'))).toBe(true);
      const distances = fromSmall!.map((n) => n.distance);
      expect(distances).toEqual([...distances].sort((a, b) => a - b));
      const [similar] = await store.similarTo([{ symbol: sym('S0'), interval: `small${run}`, k: 59 }]);
      expect(similar).toHaveLength(59);
    });

    it('matches symbols, intervals and asset classes exactly: case and words count', async () => {
      const lower = `m5.${run.toLowerCase()}`;
      const upper = `M5.${run}`;
      await store.upsertPatterns([
        { symbol: `EURUSD${run}`, interval: lower, assetClass: `FX ${run}`, vector: [1, 0, 0] },
        { symbol: `eurusd${run}`, interval: lower, assetClass: `FX SPOT ${run}`, vector: [1, 1, 0] },
        { symbol: `OTHER${run}`, interval: upper, assetClass: `FX ${run}`, vector: [1, 0, 0] },
      ]);
      const [all, fx] = await store.nearest([
        { vector: [1, 0, 0], interval: lower, k: 10 },
        { vector: [1, 0, 0], interval: lower, k: 10, assetClass: `FX ${run}` },
      ]);
      expect(symbols(all)).toEqual([`EURUSD${run}`, `eurusd${run}`]);
      expect(symbols(fx)).toEqual([`EURUSD${run}`]);
      const [similar] = await store.similarTo([{ symbol: `EURUSD${run}`, interval: lower, k: 10 }]);
      expect(symbols(similar)).toEqual([`eurusd${run}`]);
    });

    it('rejects a vector of another length, and writes nothing of that batch', async () => {
      await expect(store.upsertPatterns([pattern('GOOD', [1, 2, 3], D1), pattern('BAD', [1, 2, 3, 4], D1)])).rejects.toThrow(/dimension/);
      await expect(store.nearest([{ vector: [1, 2], interval: D1, k: 1 }])).rejects.toThrow(/dimension/);
      const [list] = await store.nearest([{ vector: [1, 2, 3], interval: D1, k: 10 }]);
      expect(symbols(list)).not.toContain(sym('GOOD'));
    });

    it('treats symbols, intervals and asset classes as values, never as code', async () => {
      const evil = `x'); DROP TABLE price_patterns; --"\\ ${run}`;
      const evilInterval = `1h' OR '1'='1 ${run}`;
      const evilClass = `FX" || symbol != "${run}`;
      expect(await store.upsertPatterns([{ symbol: evil, interval: evilInterval, assetClass: evilClass, vector: [1, 0, 0] }])).toBe(1);
      await store.upsertPatterns([{ symbol: `plain${run}`, interval: evilInterval, assetClass: `FX${run}`, vector: [1, 1, 0] }]);
      const [byClass] = await store.nearest([{ vector: [1, 0, 0], interval: evilInterval, k: 5, assetClass: evilClass }]);
      expect(symbols(byClass)).toEqual([evil]);
      const [similar] = await store.similarTo([{ symbol: evil, interval: evilInterval, k: 5 }]);
      expect(symbols(similar)).toEqual([`plain${run}`]);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('refuses to start over stored patterns of another length, naming both', async () => {
      const other = await open(DIMENSIONS + 1);
      try {
        await expect(other.start()).rejects.toThrow(new RegExp(`${DIMENSIONS}\\b.*\\b${DIMENSIONS + 1}`));
      } finally {
        await other.close();
      }
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

/** Deterministic numbers in [0, 1) (mulberry32), so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
