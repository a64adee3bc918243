import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/ingest/group-commit.js';

describe('group commit', () => {
  it('writes what arrives during a write together in the next one, in order', async () => {
    const writes: number[][] = [];
    let release!: () => void;
    const group = createGroupCommit<number>(async (items) => {
      writes.push(items);
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
    let fail = true;
    const group = createGroupCommit<number>(async () => {
      await new Promise((r) => setTimeout(r, 10));
      if (fail) throw new Error('store down');
    });
    const a = group.add([1]);
    const b = group.add([2]);
    const c = group.add([3]);
    await expect(a).rejects.toThrow('store down');
    fail = false;
    await expect(Promise.all([b, c])).resolves.toBeDefined();
    await group.idle();
  });
});
