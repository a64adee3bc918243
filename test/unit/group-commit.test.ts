import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/ingest/group-commit.js';
import { until } from '../helpers/until.js';

const gatesOpen = async (gates: unknown[]) => expect(await until(async () => gates.length, (n) => n === 1, 2_000, 1)).toBe(1);

describe('group commit', () => {
  it('writes what arrives during a write together in the next one, in order', async () => {
    const writes: number[][] = [];
    let release!: () => void;
    const group = createGroupCommit<number[]>(async (batches) => {
      writes.push(batches.flat());
      if (writes.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = group.add([1, 2]);
    const second = group.add([3]);
    const third = group.add([4, 5]);
    expect(writes).toEqual([[1, 2]]); // the others wait for the first write
    release();
    await Promise.all([first, second, third]);
    expect(writes).toEqual([[1, 2], [3, 4, 5]]);
  });

  it('rejects every add of a failed write, and writes the next group anyway', async () => {
    const writes: number[][] = [];
    const gates: (() => void)[] = [];
    const group = createGroupCommit<number[]>(async (batches) => {
      const items = batches.flat();
      writes.push(items);
      await new Promise<void>((r) => gates.push(r));
      if (items.includes(0)) throw new Error('store down');
    });
    const first = group.add([9]);
    const a = group.add([0]); // a and b wait for the first write and go in one group, which fails
    const b = group.add([1]);
    gates.shift()!();
    await first;
    await gatesOpen(gates);
    const c = group.add([2]); // c and d wait for the failing write and go in the next group
    const d = group.add([3]);
    gates.shift()!();
    await expect(a).rejects.toThrow('store down');
    await expect(b).rejects.toThrow('store down');
    await gatesOpen(gates);
    gates.shift()!();
    await Promise.all([c, d]); // rejects if either went into a failed write
    expect(writes).toEqual([[9], [0, 1], [2, 3]]);
    await group.idle();
  });

  describe('with a least interval between writes', () => {
    const INTERVAL_MS = 60;

    it('starts a write no sooner than the interval after the last one started, with all that arrived meanwhile', async () => {
      const starts: { at: number; items: number[] }[] = [];
      const group = createGroupCommit<number[]>(async (batches) => void starts.push({ at: performance.now(), items: batches.flat() }), { minIntervalMs: INTERVAL_MS });
      await group.add([1]); // after an idle time: written at once
      const second = group.add([2]); // the first write is done, but the interval is not over
      const third = group.add([3]);
      await new Promise((r) => setTimeout(r, 10));
      expect(starts.map((s) => s.items)).toEqual([[1]]);
      await Promise.all([second, third]);
      expect(starts.map((s) => s.items)).toEqual([[1], [2, 3]]);
      // Node's timers count from the event loop's clock, read when the loop turned: measured
      // against performance.now() they can fire a ms or two early.
      expect(starts[1]!.at - starts[0]!.at).toBeGreaterThanOrEqual(INTERVAL_MS - 5);
    });

    it('writes at once when the interval has passed, and idle() waits through a wait', async () => {
      const starts: number[][] = [];
      const group = createGroupCommit<number[]>(async (batches) => void starts.push(batches.flat()), { minIntervalMs: INTERVAL_MS });
      await group.add([1]);
      const waited = group.add([2]);
      await group.idle(); // resolves only once the waiting batch is written
      expect(starts).toEqual([[1], [2]]);
      await waited;
      await new Promise((r) => setTimeout(r, INTERVAL_MS + 5));
      void group.add([3]);
      expect(starts).toEqual([[1], [2], [3]]); // started within add: nothing to wait for
      await group.idle();
    });
  });
});
