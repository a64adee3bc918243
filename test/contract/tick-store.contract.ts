import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowBinaryTicks } from '../../src/stores/ticks/row-binary-ticks.js';
import { writeLeb128, writeRowBinaryValues } from '../../src/stores/ticks/tick-rows.js';
import type { StoredTick, TickStore } from '../../src/stores/ticks/tick-store.js';

/** Ticks as the log's records hold them (row-binary-ticks.ts): their seqs must follow one another. */
function rowBinaryOf(ticks: readonly StoredTick[]): RowBinaryTicks {
  const rows = Buffer.alloc(ticks.length * 100 + ticks.reduce((n, t) => n + Buffer.byteLength(t.symbol), 0));
  const view = new DataView(rows.buffer, rows.byteOffset, rows.byteLength);
  let at = 0;
  for (const t of ticks) {
    const symbol = Buffer.from(t.symbol);
    at = writeLeb128(rows, at, symbol.length);
    at += symbol.copy(rows, at);
    at = writeRowBinaryValues(rows, view, at, t);
  }
  return { rows: rows.subarray(0, at), firstSeq: ticks[0]!.seq, count: ticks.length };
}

/** What every TickStore adapter must do, run against each one that can start here. */
export function tickStoreContract(name: string, open: () => Promise<TickStore>, close: (store: TickStore) => Promise<void> = (s) => s.close()) {
  describe(`TickStore contract: ${name}`, () => {
    let store: TickStore;
    const t0 = Date.UTC(2025, 0, 6, 10, 0, 0);
    const tick = (symbol: string, time: number, seq: number, bid = 1.1, extra: Partial<StoredTick> = {}): StoredTick => ({
      symbol, time, bid, ask: bid + 0.0002, last: null, volume: null, flags: null, seq, ...extra,
    });
    // Symbols unique to this run, so a shared server keeps no state between runs.
    const run = Math.random().toString(36).slice(2, 8).toUpperCase();
    const A = `A${run}`;
    const B = `B${run}`;

    beforeAll(async () => {
      store = await open();
      await store.start();
      await store.insert([
        tick(A, t0, 1, 1.1, { last: 1.1001, volume: 2.5, flags: 88 }),
        tick(A, t0, 2, 1.2),
        tick(A, t0 + 30_000, 3, 1.05),
        tick(A, t0 + 59_999, 4, 1.15),
        tick(A, t0 + 60_000, 5, 1.3, { volume: 4 }),
        tick(B, t0 + 1, 6, 150),
      ]);
    });
    afterAll(async () => close(store));

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('round-trips every field, with millisecond times and nulls', async () => {
      const rows = await store.ticksBetween([A], t0, t0);
      expect(rows.sort((x, y) => x.seq - y.seq)).toEqual([
        tick(A, t0, 1, 1.1, { last: 1.1001, volume: 2.5, flags: 88 }),
        tick(A, t0, 2, 1.2),
      ]);
    });

    it('gives each symbol\'s newest stored time in a range, and leaves out symbols with none', async () => {
      expect(await store.newestBetween([A, B, 'NOSUCH'], t0, t0 + 60_000)).toEqual(new Map([[A, t0 + 60_000], [B, t0 + 1]]));
      expect(await store.newestBetween([A, B], t0 + 2, t0 + 60_000)).toEqual(new Map([[A, t0 + 60_000]]));
      expect(await store.newestBetween([A, B], t0, t0 + 59_999)).toEqual(new Map([[A, t0 + 59_999], [B, t0 + 1]]));
      expect(await store.newestBetween([A], t0 + 2, t0 + 29_999)).toEqual(new Map());
      expect(await store.newestBetween([A], t0 + 60_001, t0 + 90_000)).toEqual(new Map());
    });

    it('gives each symbol\'s oldest stored time after a time, and leaves out symbols with none', async () => {
      expect(await store.oldestAfter([A, B, 'NOSUCH'], t0 - 1)).toEqual(new Map([[A, t0], [B, t0 + 1]]));
      expect(await store.oldestAfter([A, B], t0)).toEqual(new Map([[A, t0 + 30_000], [B, t0 + 1]]));
      expect(await store.oldestAfter([A, B], t0 + 59_999)).toEqual(new Map([[A, t0 + 60_000]]));
      expect(await store.oldestAfter([A], t0 + 60_000)).toEqual(new Map());
    });

    it('returns the latest tick per symbol by (time, seq), null for unknown symbols', async () => {
      const latest = await store.latest([B, 'NOSUCH', A]);
      expect(latest.map((t) => t?.seq ?? null)).toEqual([6, null, 5]);
    });

    it('pages newest first and continues strictly after a position', async () => {
      const first = await store.page({ symbol: A, limit: 2 });
      expect(first.map((t) => t.seq)).toEqual([5, 4]);
      const next = await store.page({ symbol: A, limit: 10, before: { time: first[1]!.time, seq: first[1]!.seq } });
      expect(next.map((t) => t.seq)).toEqual([3, 2, 1]);
      const sameMs = await store.page({ symbol: A, limit: 10, before: { time: t0, seq: 2 } });
      expect(sameMs.map((t) => t.seq)).toEqual([1]);
    });

    it('filters pages by an inclusive time range', async () => {
      const rows = await store.page({ symbol: A, from: t0 + 30_000, to: t0 + 60_000, limit: 10 });
      expect(rows.map((t) => t.seq)).toEqual([5, 4, 3]);
    });

    it('computes candles of the bid with open and close by (time, seq)', async () => {
      const candles = await store.candles({ symbol: A, interval: 'M1', from: t0, limit: 10 });
      expect(candles).toEqual([
        { time: t0, open: 1.1, high: 1.2, low: 1.05, close: 1.15, volume: 2.5, ticks: 4 },
        { time: t0 + 60_000, open: 1.3, high: 1.3, low: 1.3, close: 1.3, volume: 4, ticks: 1 },
      ]);
      const newest = await store.candles({ symbol: A, interval: 'M1', limit: 1 });
      expect(newest.map((c) => c.time)).toEqual([t0 + 60_000]);
      const daily = await store.candles({ symbol: A, interval: 'D1', limit: 5 });
      expect(daily).toEqual([{ time: Date.UTC(2025, 0, 6), open: 1.1, high: 1.3, low: 1.05, close: 1.3, volume: 6.5, ticks: 5 }]);
      const h4 = await store.candles({ symbol: A, interval: 'H4', limit: 5 });
      expect(h4.map((c) => c.time)).toEqual([Date.UTC(2025, 0, 6, 8)]);
    });

    it('excludes `to` from candles', async () => {
      const candles = await store.candles({ symbol: A, interval: 'M1', from: t0, to: t0 + 60_000, limit: 10 });
      expect(candles.map((c) => c.ticks)).toEqual([4]);
    });

    it('reports the highest sequence number and the row count', async () => {
      expect(await store.maxSeq()).toBeGreaterThanOrEqual(6);
      expect(await store.count()).toBeGreaterThanOrEqual(6);
    });

    it('returns the last bucket closes per symbol, oldest first', async () => {
      const closes = await store.recentCloses([A, B, 'NOSUCH'], 'M1', 5, t0 - 60_000);
      const bySymbol = Object.fromEntries(closes.map((c) => [c.symbol, c.closes]));
      expect(bySymbol).toEqual({ [A]: [1.15, 1.3], [B]: [150] });
      expect((await store.recentCloses([A], 'M1', 1, t0))[0]!.closes).toEqual([1.3]);
    });

    it('correlates bucket returns of every pair with enough common buckets', async () => {
      const C = `C${run}`;
      const D = `D${run}`;
      const E = `E${run}`;
      const start = t0 + 3_600_000;
      const series = Array.from({ length: 12 }, (_, i) => 1 + ((i * 7) % 5) / 100);
      await store.insert(
        series.flatMap((price, i) => [
          tick(C, start + i * 60_000, 100 + i * 3, price),
          tick(D, start + i * 60_000, 101 + i * 3, price * 2), // same returns as C
          tick(E, start + i * 60_000, 102 + i * 3, 3 - price), // returns move the other way
        ]),
      );
      const pairs = (await store.correlations('M1', start, 5)).filter((p) => [C, D, E].includes(p.a) && [C, D, E].includes(p.b));
      expect(pairs.map((p) => [p.a, p.b, p.points])).toEqual([
        [C, D, 11],
        [C, E, 11],
        [D, E, 11],
      ]);
      expect(pairs[0]!.coefficient).toBeCloseTo(1, 9);
      expect(pairs[1]!.coefficient).toBeLessThan(-0.9);
      expect(await store.correlations('M1', start, 12)).toEqual([]); // 11 returns from 12 closes
    });

    it('stores every value exactly: any script in a symbol, extreme numbers, nulls in any row of a large insert', async () => {
      const odd = `€ÄÖ📈\t\n\\${run}`;
      const big = 2 ** 53 - 1; // the largest seq a number holds exactly
      const edge = tick(odd, Date.UTC(2099, 11, 31, 23, 59, 59, 999), big, Number.MIN_VALUE, { ask: 1e300, last: 0.1 + 0.2, volume: 0, flags: 0xffff_ffff });
      await store.insert([edge]);
      expect(await store.ticksBetween([odd], edge.time, edge.time)).toEqual([edge]);

      const C = `C${run}`;
      const many = Array.from({ length: 3_000 }, (_, i) =>
        tick(C, t0 + i, 100 + i, 1 + i / 1e5, { last: i % 3 === 0 ? null : 2 + i, volume: i % 5 === 0 ? null : i / 7, flags: i % 2 === 0 ? null : i }),
      );
      await store.insert(many);
      const back = await store.ticksBetween([C], t0, t0 + 3_000);
      expect(back.sort((x, y) => x.seq - y.seq)).toEqual(many);
    });

    it('stores each of several large inserts exactly, one after another and at once (an adapter may reuse one insert\'s memory for the next)', async () => {
      const symbols = [`D${run}`, `E${run}`, `F${run}`, `G${run}`];
      const batch = (k: number, rows: number) =>
        Array.from({ length: rows }, (_, i) => tick(symbols[k]!, t0 + i, 10_000 * (k + 1) + i, 1 + k + i / 1e6, { volume: i % 4 === k ? null : k }));
      const [first, smaller] = [batch(0, 5_000), batch(1, 2_500)];
      await store.insert(first);
      await store.insert(smaller);
      const [third, fourth] = [batch(2, 3_000), batch(3, 3_500)]; // each fits the first's memory
      await Promise.all([store.insert(third), store.insert(fourth)]);
      for (const [k, ticks] of [first, smaller, third, fourth].entries()) {
        const back = await store.ticksBetween([symbols[k]!], t0, t0 + 5_000);
        expect(back.sort((x, y) => x.seq - y.seq)).toEqual(ticks);
      }
    });

    it("stores the log's RowBinary rows exactly, each part numbered from its firstSeq, without tick objects", async () => {
      const odd = `€📈\t${run}`;
      const H = `H${run}`;
      const first = Array.from({ length: 3_000 }, (_, i) =>
        tick(H, t0 + i, 2 ** 53 - 3_000 + i, 1 + i / 1e5, { last: i % 3 === 0 ? null : 2 + i, volume: i % 5 === 0 ? null : i / 7, flags: i % 2 === 0 ? null : 0xffff_ffff - i }),
      );
      const second = [tick(odd, t0, 40, Number.MIN_VALUE, { ask: 1e300, last: 0.1 + 0.2, volume: 0, flags: 0 }), tick(odd, t0 + 1, 41, 2)];
      await store.insertRowBinary([rowBinaryOf(first), rowBinaryOf(second)]);
      const back = await store.ticksBetween([H, odd], t0, t0 + 3_000);
      expect(back.sort((x, y) => x.seq - y.seq)).toEqual([...second, ...first]);
    });

    it('refuses RowBinary parts that are not their count of whole rows, storing none of the insert', async () => {
      const I = `I${run}`;
      const good = rowBinaryOf([tick(I, t0, 1), tick(I, t0 + 1, 2)]);
      const short = rowBinaryOf([tick(I, t0 + 2, 3), tick(I, t0 + 3, 4)]);
      for (const bad of [
        { ...short, count: 3 }, // fewer rows than counted
        { ...short, count: 1 }, // more
        { ...short, rows: short.rows.subarray(0, short.rows.length - 1) }, // a row cut short
        { ...short, rows: Buffer.concat([short.rows, Buffer.from([2])]) }, // bytes after the last row
      ]) {
        await expect(store.insertRowBinary([good, bad])).rejects.toThrow(/not \d+ whole rows/);
      }
      expect(await store.ticksBetween([I], t0, t0 + 10)).toEqual([]);
    });

    it('treats symbols as values, never as SQL', async () => {
      const evil = `x'); DROP TABLE ticks; --`;
      await store.insert([tick(evil, t0, 7)]);
      expect((await store.latest([evil]))[0]?.seq).toBe(7);
      expect(await store.count()).toBeGreaterThanOrEqual(7);
    });
  });
}
