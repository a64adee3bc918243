import { describe, expect, it } from 'vitest';
import { createSendQueue, type Addressed } from '../../src/stores/stream/send-queue.js';
import { toRecords } from '../../src/stores/stream/tick-records.js';

// JSON records (format 2): about 45 KiB per 500 ticks, so that a few fill a send.
const records = (symbol: string, count: number, partition = 0): Addressed[] =>
  toRecords(Array.from({ length: count }, (_, i) => ({ symbol, time: 1_700_000_000_000 + i, bid: 1, ask: 2, last: null, volume: null, flags: null })), 'json').map((record) => ({ record, partition }));

/** A log: per partition, the next offset; every send is recorded. */
function fakeLog(fail?: (n: number) => boolean) {
  const next = new Map<number, number>();
  const sends: Addressed[][] = [];
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  return {
    sends,
    open() {
      release();
      gate = Promise.resolve();
    },
    async send(batch: readonly Addressed[]) {
      sends.push([...batch]);
      await gate;
      if (fail?.(sends.length)) throw new Error(`send ${sends.length} failed`);
      const bases = new Map<number, number>();
      for (const { partition } of batch) {
        const offset = next.get(partition) ?? 0;
        if (!bases.has(partition)) bases.set(partition, offset);
        next.set(partition, offset + 1);
      }
      return bases;
    },
  };
}

describe('send queue', () => {
  it('sends the appends made while a send is in flight together, and gives each record its offset', async () => {
    const log = fakeLog();
    const queue = createSendQueue((batch) => log.send(batch));
    const first = queue.append(records('A', 1));
    const second = queue.append([...records('B', 1, 1), ...records('C', 1)]);
    const third = queue.append(records('D', 1));
    log.open();
    expect(await first).toEqual([0]);
    expect(await second).toEqual([0, 1]); // B first in partition 1; C after A in partition 0
    expect(await third).toEqual([2]);
    expect(log.sends.map((s) => s.length)).toEqual([1, 3]);
  });

  it("keeps a partition's share of one send under the broker's record batch limit", async () => {
    const log = fakeLog();
    log.open();
    const queue = createSendQueue((batch) => log.send(batch));
    // 20 records of 500 ticks (about 45 KiB each) in one partition: more than 768 KiB.
    const offsets = await queue.append(records('E', 20 * 500));
    expect(offsets).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(log.sends.length).toBeGreaterThan(1);
    for (const send of log.sends) expect(send.reduce((n, a) => n + a.record.value.length, 0)).toBeLessThan(768 * 1024);
  });

  it('fills every partition in one send: a full partition waits with the rest of its records, the others do not', async () => {
    const log = fakeLog();
    log.open();
    const queue = createSendQueue((batch) => log.send(batch));
    // Partition 0 gets more than one send can carry, then partition 1 one record, then 0 again.
    const appended = await queue.append([...records('E', 20 * 500), ...records('F', 1, 1), ...records('G', 1)]);
    expect(appended).toEqual([...Array.from({ length: 20 }, (_, i) => i), 0, 20]);
    expect(log.sends[0]!.some((a) => a.partition === 1)).toBe(true); // in the first send, not after partition 0's
    // Within a partition the records went in queue order, each send a prefix of what was left.
    const sentTo0 = log.sends.flat().filter((a) => a.partition === 0).map((a) => a.record.symbol);
    expect(sentTo0).toEqual([...Array.from({ length: 20 }, () => 'E'), 'G']);
  });

  it('fails the appends that had records in a failed send, and sends the others', async () => {
    const log = fakeLog((n) => n === 2);
    const queue = createSendQueue((batch) => log.send(batch));
    const first = queue.append(records('A', 1));
    const second = queue.append(records('B', 1));
    log.open();
    await expect(first).resolves.toEqual([0]);
    await expect(second).rejects.toThrow('send 2 failed');
    await expect(queue.append(records('C', 1))).resolves.toEqual([1]);
  });
});
