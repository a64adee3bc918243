import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEQ_STRIDE } from '../../src/stores/stream/tick-records.js';
import type { DurableTickStream, TickListener, TickStream } from '../../src/stores/stream/tick-stream.js';
import type { StoredTick } from '../../src/stores/ticks/tick-store.js';
import { until } from '../helpers/until.js';

/** Sends ticks the way the ingest path does for each kind of stream; returns them as numbered, per symbol in input order. */
async function send(stream: TickStream, ticks: StoredTick[]): Promise<StoredTick[]> {
  if (stream.kind === 'local') {
    await stream.publish(ticks);
    return ticks;
  }
  const runs = await stream.append(ticks.map(({ seq: _, ...t }) => t));
  return runs.flatMap((run) => run.ticks());
}

/** Live ticks, as the write paths take them from each kind of stream (a durable one's runs decoded). */
function listen(stream: TickStream, listener: TickListener): () => void {
  if (stream.kind === 'local') return stream.subscribe(listener);
  return stream.follow((runs) => listener(runs.flatMap((run) => run.ticks())));
}

/**
 * What every TickStream adapter must do. `open` is called twice: a stream is shared by
 * gateway processes, so what one instance publishes, the other's listeners receive.
 */
export function tickStreamContract(name: string, open: () => Promise<[TickStream, TickStream]>) {
  describe(`TickStream contract: ${name}`, () => {
    let publisher: TickStream;
    let subscriber: TickStream;
    const run = Math.random().toString(36).slice(2, 8);
    const tick = (symbol: string, seq: number): StoredTick => ({
      symbol: `${symbol}${run}`, time: 1_700_000_000_000 + seq, bid: 1, ask: 2, last: null, volume: null, flags: null, seq,
    });

    beforeAll(async () => {
      [publisher, subscriber] = await open();
      await publisher.start();
      // Nothing to wait for: a live feed starts at the end of the log as start() read it, so
      // every tick appended after start() resolves reaches it (the tests below send at once).
      if (subscriber !== publisher) await subscriber.start();
    });
    afterAll(async () => {
      await publisher.close();
      if (subscriber !== publisher) await subscriber.close();
    });

    it('answers ping', async () => {
      await expect(publisher.ping()).resolves.toBeUndefined();
    });

    it('delivers every published tick once, in order per symbol, to every listener', async () => {
      const got: StoredTick[][] = [[], []];
      const offs = [0, 1].map((i) => listen(subscriber, (ticks) => got[i]!.push(...ticks.filter((t) => t.symbol.endsWith(run)))));
      const sent: StoredTick[] = [];
      const all = Array.from({ length: 200 }, (_, i) => tick(i % 2 ? 'A' : 'B', i + 1));
      for (let i = 0; i < all.length; i += 50) sent.push(...(await send(publisher, all.slice(i, i + 50))));
      for (const symbol of [`A${run}`, `B${run}`]) {
        const seqs = sent.filter((t) => t.symbol === symbol).map((t) => t.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // numbered in order per symbol
        expect(new Set(seqs).size).toBe(seqs.length);
      }
      const deadline = Date.now() + 20_000;
      while (got.some((g) => g.length < sent.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      offs.forEach((off) => off());
      for (const g of got) {
        for (const symbol of [`A${run}`, `B${run}`]) {
          expect(g.filter((t) => t.symbol === symbol)).toEqual(sent.filter((t) => t.symbol === symbol));
        }
        expect(g).toHaveLength(sent.length);
      }
    });

    it('takes a 100,000-tick batch, more than a Kafka broker accepts in one record batch, and numbers it in order', async () => {
      const before = publisher.kind === 'durable' ? await publisher.positions() : undefined;
      const all = Array.from({ length: 100_000 }, (_, i) => tick(i % 2 ? 'E' : 'F', 20_000 + i));
      const sent = await send(publisher, all);
      expect(sent).toHaveLength(all.length);
      for (const symbol of [`E${run}`, `F${run}`]) {
        const mine = sent.filter((t) => t.symbol === symbol);
        expect(mine.map(({ seq: _, ...t }) => t)).toEqual(all.filter((t) => t.symbol === symbol).map(({ seq: _, ...t }) => t));
        const seqs = mine.map((t) => t.seq);
        expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!)).toBe(true);
      }
      if (before) {
        // The log grew by exactly the records of the batch, and holds its every seq: nothing
        // was sent twice, nothing dropped. (A record holds up to SEQ_STRIDE ticks.)
        const after = await (publisher as DurableTickStream).positions();
        const grown = [...after].reduce((sum, [partition, last]) => sum + (last - (before.get(partition) ?? -1)) / SEQ_STRIDE, 0);
        const records = new Set(sent.map((t) => Math.floor(t.seq / SEQ_STRIDE) * 100 + (publisher as DurableTickStream).partitionOf(t.symbol)));
        expect(grown).toBe(records.size);
        expect(records.size).toBeLessThan(all.length / 100); // many ticks per record
      }
    });

    it('resolves an append with the runs as the log holds them, not with the caller’s tick objects', async (context) => {
      // The write path holds these runs for its duplicate check, for seconds: holding the
      // request's own objects kept every batch of those seconds alive (issue 15's GC profile).
      if (publisher.kind !== 'durable') return context.skip(); // a local stream returns no runs
      const batch = Array.from({ length: 300 }, (_, i) => tick(i % 3 ? 'G' : 'H', 40_000 + i)).map(({ seq: _, ...t }) => t);
      const runs = await publisher.append(batch);
      const appended = runs.flatMap((r) => r.ticks()).map(({ seq: _, ...t }) => t);
      for (const t of batch) t.bid = -1;
      expect(runs.flatMap((r) => r.ticks()).map(({ seq: _, ...t }) => t)).toEqual(appended);
      expect(appended.every((t) => t.bid === 1)).toBe(true);
      expect(runs.map((r) => r.newest().bid)).toEqual(runs.map(() => 1));
    });

    it('hands a consumer group every appended tick, and tells a member its partitions were dealt again before the batches after', async (context) => {
      // The sink compares with what it stored lately only while no other member stored its
      // partitions' ticks (src/ingest/tick-sink.ts): it must hear of every new deal first.
      if (publisher.kind !== 'durable' || subscriber.kind !== 'durable') return context.skip(); // a local stream has no consumer groups
      const group = `contract-sink-${run}`;
      const events: string[][] = [[], []];
      const handed: string[] = [];
      const member = (stream: DurableTickStream, m: number) =>
        stream.consume(
          group,
          async (runs) => {
            for (const r of runs) if (r.symbol.endsWith(run)) events[m]!.push('batch'), handed.push(...r.ticks().map((t) => `${t.symbol} ${t.time}`));
          },
          { dealt: () => void events[m]!.push('dealt') },
        );
      const batch = (from: number) => Array.from({ length: 60 }, (_, i) => tick(`K${i % 6}`, from + i));
      const missing = (ticks: StoredTick[]) => async () => ticks.filter((t) => !handed.includes(`${t.symbol} ${t.time}`)).length;
      const dealt = (m: number) => async () => events[m]!.filter((e) => e === 'dealt').length;
      const first = batch(50_000);
      await send(publisher, first);
      await member(publisher, 0);
      expect(await until(missing(first), (n) => n === 0, 30_000)).toBe(0);
      expect(events[0]![0]).toBe('dealt');
      // A second member joins: the first is dealt its partitions again, and each hears of it.
      const before = await dealt(0)();
      await member(subscriber, 1);
      expect(await until(dealt(0), (n) => n > before, 60_000)).toBeGreaterThan(before);
      expect(await until(dealt(1), (n) => n > 0, 60_000)).toBeGreaterThan(0);
      const second = batch(60_000);
      await send(publisher, second);
      expect(await until(missing(second), (n) => n === 0, 30_000)).toBe(0);
      expect(events[1]![0]).toBe('dealt');
    });

    it("tells a member how many records of a partition it has still to commit: the held batch's while its handler runs, none once it caught up", async (context) => {
      // The sink shows it as marketgraph_stream_sink_lag_records (src/ingest/tick-sink.ts).
      if (publisher.kind !== 'durable') return context.skip(); // a local stream has no consumer groups
      const ticks = Array.from({ length: 40 }, (_, i) => tick(`L${i % 4}`, 70_000 + i));
      await send(publisher, ticks);
      const partitions = [...new Set(ticks.map((t) => publisher.partitionOf(t.symbol)))];
      const reported: [number, number][] = [];
      const latest = (p: number) => reported.filter(([partition]) => partition === p).pop()?.[1];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let handed = 0;
      await publisher.consume(`contract-behind-${run}`, async () => void (handed++ === 0 && (await held)), { behind: (p, n) => void reported.push([p, n]) });
      // The first batch is held: its partition is behind by at least that batch's records.
      expect(await until(async () => reported.length, (n) => n > 0, 30_000)).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(reported).toHaveLength(1);
      expect(reported[0]![1]).toBeGreaterThan(0);
      release();
      const caughtUp = await until(async () => partitions.map(latest), (lags) => lags.every((n) => n === 0), 30_000);
      expect(caughtUp).toEqual(partitions.map(() => 0));
      expect(reported.every(([, n]) => Number.isInteger(n) && n >= 0)).toBe(true);
    });

    it('stops delivering to a listener after it unsubscribes', async () => {
      const got: StoredTick[] = [];
      const off = listen(subscriber, (ticks) => got.push(...ticks.filter((t) => t.symbol.endsWith(run))));
      off();
      await send(publisher, [tick('C', 1000)]);
      const marker: StoredTick[] = [];
      const offMarker = listen(subscriber, (ticks) => marker.push(...ticks.filter((t) => t.symbol === `D${run}`)));
      await send(publisher, [tick('D', 1001)]);
      const deadline = Date.now() + 20_000;
      while (marker.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      offMarker();
      expect(marker).toHaveLength(1);
      expect(got).toEqual([]);
    });
  });
}
