import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tickRows from '../../src/stores/ticks/tick-rows.js';
import { createChdbTickStore, NATIVE_FROM_ROWS } from '../../src/stores/ticks/chdb-tick-store.js';
import type { TickStore } from '../../src/stores/ticks/tick-store.js';
import { startMigrated } from '../helpers/migrate.js';

// The memory each Native encoding is handed, to see what the store keeps between inserts.
vi.mock('../../src/stores/ticks/tick-rows.js', async (original) => {
  const actual = await original<typeof tickRows>();
  return { ...actual, ticksToNative: vi.fn(actual.ticksToNative) };
});

describe("chDB tick store's Native memory", () => {
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-chdb-memory-'));
  let store: TickStore;
  beforeAll(async () => {
    store = await startMigrated('ticks', createChdbTickStore(dir));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ticks = (from: number) => Array.from({ length: NATIVE_FROM_ROWS }, (_, i) => ({ symbol: 'MEM', time: from + i, bid: 1, ask: 2, last: null, volume: null, flags: null, seq: from + i }));

  it('keeps the memory of the last body for the next insert, also when a RowBinary insert between them is refused', async () => {
    const encode = vi.mocked(tickRows.ticksToNative);
    await store.insert(ticks(1_000));
    await expect(store.insertRowBinary([{ rows: Buffer.from([1]), firstSeq: 0, count: 1 }])).rejects.toThrow(/not 1 whole rows/);
    await store.insert(ticks(10_000));
    const [first, next] = encode.mock.calls.map(([, memory]) => memory);
    expect(first).toBeUndefined();
    expect(next).toBeInstanceOf(Buffer); // taken by the refused insert and given back
    expect(await store.count()).toBe(2 * NATIVE_FROM_ROWS);
  });
});
