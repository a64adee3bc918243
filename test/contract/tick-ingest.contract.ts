import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import type { TickIngest } from '../../src/ingest/tick-ingest.js';
import type { StoredTick, TickInput } from '../../src/stores/ticks/tick-store.js';
import { until } from '../helpers/until.js';

/** A write path, ready to take batches; `close` ends it and its stores. */
export interface OpenIngest {
  ingest: TickIngest;
  /** Symbols this write path takes (its instruments); any other is unknown. */
  symbols: readonly string[];
  close(): Promise<void>;
}

/**
 * The port of the write path (src/ingest/tick-ingest.ts): what the resolver and the tick hub may
 * count on, whichever half the composition root picked. `open(maxPendingTicks)` makes one.
 */
export function tickIngestContract(name: string, open: (maxPendingTicks: number) => Promise<OpenIngest>) {
  describe(`TickIngest contract: ${name}`, () => {
    let path: OpenIngest;
    let clock = Date.now() - 3_600_000;
    const tick = (symbol: string, over: Partial<TickInput> = {}): TickInput => {
      const bid = 1 + (clock % 1000) / 10_000;
      return { symbol, time: clock++, bid, ask: bid + 0.0002, last: null, volume: 1, flags: 6, ...over };
    };
    const copy = (ticks: TickInput[]) => ticks.map((t) => ({ ...t }));

    beforeAll(async () => {
      path = await open(1_000);
      await path.ingest.start();
    });
    afterAll(async () => {
      await path.ingest.drain();
      path.ingest.stop();
      await path.close();
    });

    it('accepts valid ticks and names each invalid one by index and reason, losing none of the good', async () => {
      const [a] = path.symbols;
      const batch = [tick(a!), tick(a!, { bid: 2, ask: 1 }), tick('NOSUCHSYMBOL'), tick(a!)];
      const result = await path.ingest.insertTicks(batch);
      expect(result.accepted).toBe(2);
      expect(result.duplicates).toBe(0);
      expect(result.rejected.map((r) => r.index)).toEqual([1, 2]);
      expect(result.rejected[0]!.reason).toMatch(/bid 2 is greater than ask 1/);
      expect(result.rejected[1]!.reason).toMatch(/unknown symbol "NOSUCHSYMBOL"/);
    });

    it('counts a re-sent batch, and a tick repeated within a batch, as duplicates', async () => {
      const [a, b] = path.symbols;
      const batch = [tick(a!), tick(b!), tick(a!)];
      expect(await path.ingest.insertTicks(copy(batch))).toMatchObject({ accepted: 3, duplicates: 0 });
      expect(await path.ingest.insertTicks(copy(batch))).toMatchObject({ accepted: 0, duplicates: 3 });
      const twice = tick(b!);
      expect(await path.ingest.insertTicks([twice, { ...twice }])).toMatchObject({ accepted: 1, duplicates: 1 });
    });

    it('tells duplicates from new ticks out of time order: bridges interleaving on one symbol, and a backfill', async () => {
      const [a] = path.symbols;
      // Two bridges on one symbol, each in time order, their times interleaved.
      const start = clock;
      clock += 200;
      const first = Array.from({ length: 50 }, (_, i) => tick(a!, { time: start + 2 * i }));
      const second = Array.from({ length: 50 }, (_, i) => tick(a!, { time: start + 2 * i + 1 }));
      expect(await path.ingest.insertTicks(copy(first))).toMatchObject({ accepted: 50, duplicates: 0 });
      expect(await path.ingest.insertTicks(copy(second))).toMatchObject({ accepted: 50, duplicates: 0 });
      expect(await path.ingest.insertTicks(copy(first))).toMatchObject({ accepted: 0, duplicates: 50 });
      expect(await path.ingest.insertTicks(copy(second))).toMatchObject({ accepted: 0, duplicates: 50 });
      // A history import: every tick older than the newest stored, re-sent with one changed tick.
      const backfill = Array.from({ length: 30 }, (_, i) => tick(a!, { time: start - 10_000 + i }));
      expect(await path.ingest.insertTicks(copy(backfill))).toMatchObject({ accepted: 30, duplicates: 0 });
      const again = copy(backfill);
      again[7]!.bid = again[7]!.bid / 2;
      expect(await path.ingest.insertTicks(again)).toMatchObject({ accepted: 1, duplicates: 29 });
    });

    it('imports history older than the stored ticks batch by batch, and still tells every copy from new ticks', async () => {
      const [, b] = path.symbols;
      const newest = tick(b!);
      expect(await path.ingest.insertTicks([newest])).toMatchObject({ accepted: 1 });
      // Three batches in time order, all older than the newest stored: an import.
      const from = newest.time - 100_000;
      const batches = [0, 1, 2].map((k) => Array.from({ length: 30 }, (_, i) => tick(b!, { time: from + k * 30 + i })));
      expect(await path.ingest.insertTicks(copy(batches[0]!))).toMatchObject({ accepted: 30, duplicates: 0 });
      // Two copies of the next batch at once (the second is checked while the first is written).
      const both = await Promise.all([path.ingest.insertTicks(copy(batches[1]!)), path.ingest.insertTicks(copy(batches[1]!))]);
      expect(both.map((r) => r.accepted).sort()).toEqual([0, 30]);
      // Each import batch re-sent (the last one first), one tick of the first changed.
      expect(await path.ingest.insertTicks(copy(batches[1]!))).toMatchObject({ accepted: 0, duplicates: 30 });
      const changed = copy(batches[0]!);
      changed[3]!.bid = changed[3]!.bid / 2;
      expect(await path.ingest.insertTicks(changed)).toMatchObject({ accepted: 1, duplicates: 29 });
      // The next batch starts with a copy of the last tick imported, then goes on.
      expect(await path.ingest.insertTicks([{ ...batches[1]![29]! }, ...copy(batches[2]!)])).toMatchObject({ accepted: 30, duplicates: 1 });
      // Ticks at the same millisecond as the last imported, different and equal.
      const last = batches[2]![29]!;
      expect(await path.ingest.insertTicks([{ ...last, bid: last.bid + 0.1, ask: last.ask + 0.1 }, { ...last }])).toMatchObject({ accepted: 1, duplicates: 1 });
      // An import that reaches the stored ticks: the newest is a copy.
      const reaching = Array.from({ length: 20 }, (_, i) => tick(b!, { time: newest.time - 19 + i }));
      reaching[19] = { ...newest };
      expect(await path.ingest.insertTicks(reaching)).toMatchObject({ accepted: 19, duplicates: 1 });
    });

    it('counts a batch re-sent after its ticks were stored as duplicates', async () => {
      const [a] = path.symbols;
      // Room for a sink to store what came before and for the write path to learn so, twice:
      // before the batch (a write path may change how it checks then) and after it.
      const stored = () => new Promise((r) => setTimeout(r, 1_500));
      await stored();
      expect(await path.ingest.insertTicks([tick(a!)])).toMatchObject({ accepted: 1 });
      const batch = Array.from({ length: 20 }, () => tick(a!));
      expect(await path.ingest.insertTicks(copy(batch))).toMatchObject({ accepted: 20, duplicates: 0 });
      await stored();
      expect(await path.ingest.insertTicks([tick(a!)])).toMatchObject({ accepted: 1 });
      expect(await path.ingest.insertTicks(copy(batch))).toMatchObject({ accepted: 0, duplicates: 20 });
    });

    it('accepts one of two copies of a batch sent at the same time', async () => {
      const [a] = path.symbols;
      const batch = Array.from({ length: 50 }, () => tick(a!));
      const results = await Promise.all([path.ingest.insertTicks(copy(batch)), path.ingest.insertTicks(copy(batch))]);
      expect(results.map((r) => r.accepted).sort()).toEqual([0, 50]);
      expect(results.map((r) => r.duplicates).sort()).toEqual([0, 50]);
    });

    it('hands each accepted tick to listeners once', async () => {
      const [a, b] = path.symbols;
      const seen: StoredTick[] = [];
      const off = path.ingest.onAccepted((ticks) => seen.push(...ticks));
      const batch = Array.from({ length: 20 }, (_, i) => tick(i % 2 ? a! : b!));
      const times = new Set(batch.map((t) => t.time));
      await path.ingest.insertTicks(copy(batch));
      await path.ingest.insertTicks(copy(batch)); // duplicates: nothing more to see
      await until(async () => seen.filter((t) => times.has(t.time)).length, (n) => n >= 20, 10_000);
      await new Promise((r) => setTimeout(r, 300)); // room for a second delivery, which must not come
      off();
      const mine = seen.filter((t) => times.has(t.time));
      expect(mine).toHaveLength(20);
      // Numbered, each its own seq within its symbol (a log's seq is per partition: two symbols'
      // records at the same offset of their partitions number their ticks alike).
      expect(new Set(mine.map((t) => `${t.symbol} ${t.seq}`)).size).toBe(20);
    });

    it('refuses a batch over the pending bound at once with OVERLOADED, and takes it once the backlog is stored', async () => {
      const [a] = path.symbols;
      const first = path.ingest.insertTicks(Array.from({ length: 600 }, () => tick(a!)));
      const over = Array.from({ length: 600 }, () => tick(a!));
      await expect(path.ingest.insertTicks(copy(over))).rejects.toMatchObject({ extensions: { code: ErrorCode.OVERLOADED } });
      expect((await first).accepted).toBe(600);
      expect((await path.ingest.insertTicks(over)).accepted).toBe(600);
    });
  });
}
