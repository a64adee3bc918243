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

  describe('waiting for the clients a write answered (regroupMs)', () => {
    // Long, so that a loaded machine cannot reach it by accident: a test that the group goes
    // early fails if it waited this long.
    const REGROUP_MS = 2_000;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    /** A group whose writes wait for `release`; `writes` records each write's items as it starts. */
    function held(options: { enoughItems?: number; regroupMs?: number } = {}) {
      const writes: number[][] = [];
      const gates: (() => void)[] = [];
      const group = createGroupCommit<number[]>(
        async (batches) => {
          writes.push(batches.flat());
          await new Promise<void>((r) => gates.push(r));
        },
        { regroupMs: REGROUP_MS, sizeOf: (b) => b.length, ...options },
      );
      return { group, writes, release: () => gates.shift()!() };
    }

    it('holds the next group until the clients answered are back, then writes it at once', async () => {
      const { group, writes, release } = held();
      const first = group.add([1]);
      const second = group.add([2]); // waits for the first write
      release();
      await first; // answered: its client sends again; [2] waits for it
      await sleep(50);
      expect(writes).toEqual([[1]]);
      const third = group.add([3]); // the group holds what it waited for: 1 waiting + 1 answered
      expect(writes).toEqual([[1], [2, 3]]); // started within add, long before REGROUP_MS
      release();
      await Promise.all([second, third]);
      await group.idle();
    });

    it('never holds a lone client, who sends one batch at a time', async () => {
      const { group, writes, release } = held();
      for (let i = 0; i < 3; i++) {
        const added = group.add([i]);
        expect(writes.length).toBe(i + 1); // written at once: the write before answered one batch, this one
        release();
        await added;
        await group.idle(); // the write's end is recorded
      }
      expect(writes).toEqual([[0], [1], [2]]);
    });

    it('writes a short group once regroupMs has passed since the write before ended', async () => {
      const { group, writes, release } = held({ regroupMs: 100 });
      const first = group.add([1]);
      const second = group.add([2]);
      release();
      const ended = performance.now();
      await first;
      await until(async () => writes.length, (n) => n === 2, 5_000, 5);
      expect(writes).toEqual([[1], [2]]);
      expect(performance.now() - ended).toBeGreaterThanOrEqual(95); // timers may fire a ms early
      release();
      await second;
    });

    it('does not hold a group that has enoughItems', async () => {
      const { group, writes, release } = held({ enoughItems: 3 });
      const first = group.add([1]);
      const second = group.add([2, 3, 4]); // one batch of the two expected, but 3 items
      release();
      await first;
      await until(async () => writes.length, (n) => n === 2, REGROUP_MS / 2, 1);
      expect(writes).toEqual([[1], [2, 3, 4]]); // before REGROUP_MS: it did not wait
      release();
      await second;
    });

    it('lets idle() wait through the hold', async () => {
      const { group, writes, release } = held({ regroupMs: 50 });
      const first = group.add([1]);
      const second = group.add([2]);
      release();
      await first;
      let idled = false;
      const idle = group.idle().then(() => (idled = true));
      await until(async () => writes.length, (n) => n === 2, 5_000, 5);
      expect(idled).toBe(false); // not while the group was held, nor while it is written
      release();
      await idle;
      await second;
      expect(writes).toEqual([[1], [2]]);
    });
  });
});
