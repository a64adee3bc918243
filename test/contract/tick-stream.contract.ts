import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DurableTickStream, TickStream } from '../../src/stores/stream/tick-stream.js';
import type { StoredTick } from '../../src/stores/ticks/tick-store.js';

/** Sends ticks the way the ingest path does for each kind of stream; returns them as numbered. */
async function send(stream: TickStream, ticks: StoredTick[]): Promise<StoredTick[]> {
  if (stream.kind === 'local') {
    await stream.publish(ticks);
    return ticks;
  }
  return stream.append(ticks.map(({ seq: _, ...t }) => t));
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
      if (subscriber !== publisher) await subscriber.start();
      // A live feed starts at the end of the log, and that end is fixed at its first fetch, a
      // moment after start() returns: until a marker comes through, a tick may be appended
      // before it. (A gateway's subscribers connect after that moment anyway.)
      const seen: StoredTick[] = [];
      const off = subscriber.subscribe((ticks) => seen.push(...ticks.filter((t) => t.symbol === `W${run}`)));
      for (let i = 0; seen.length === 0 && i < 100; i++) {
        await send(publisher, [tick('W', 10_000 + i)]);
        await new Promise((r) => setTimeout(r, 200));
      }
      off();
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
      const offs = [0, 1].map((i) => subscriber.subscribe((ticks) => got[i]!.push(...ticks.filter((t) => t.symbol.endsWith(run)))));
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
      expect(sent.map(({ seq: _, ...t }) => t)).toEqual(all.map(({ seq: _, ...t }) => t));
      for (const symbol of [`E${run}`, `F${run}`]) {
        const seqs = sent.filter((t) => t.symbol === symbol).map((t) => t.seq);
        expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!)).toBe(true);
      }
      if (before) {
        // The log grew by exactly the batch: nothing was sent twice, nothing dropped.
        const after = await (publisher as DurableTickStream).positions();
        const grown = [...after].reduce((sum, [partition, last]) => sum + last - (before.get(partition) ?? -1), 0);
        expect(grown).toBe(all.length);
      }
    });

    it('stops delivering to a listener after it unsubscribes', async () => {
      const got: StoredTick[] = [];
      const off = subscriber.subscribe((ticks) => got.push(...ticks.filter((t) => t.symbol.endsWith(run))));
      off();
      await send(publisher, [tick('C', 1000)]);
      const marker: StoredTick[] = [];
      const offMarker = subscriber.subscribe((ticks) => marker.push(...ticks.filter((t) => t.symbol === `D${run}`)));
      await send(publisher, [tick('D', 1001)]);
      const deadline = Date.now() + 20_000;
      while (marker.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      offMarker();
      expect(marker).toHaveLength(1);
      expect(got).toEqual([]);
    });
  });
}
