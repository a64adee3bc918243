import { describe, expect, it } from 'vitest';
import { createSentRuns } from '../../src/stores/stream/sent-runs.js';
import type { TickRun } from '../../src/stores/stream/tick-stream.js';

const run = (symbol: string, partition: number, firstSeq: number, count: number): TickRun => ({
  symbol, partition, firstSeq, count, minTime: 0, maxTime: 0, ticks: () => [], newest: () => { throw new Error('not used'); },
});

describe('sent runs', () => {
  it('gives back the run appended at a position, only when it is the same record', () => {
    const sent = createSentRuns(1_000);
    const mine = run('A', 0, 1024, 10);
    sent.add([mine]);
    const read = run('A', 0, 1024, 10);
    expect(sent.take(read)).toBe(mine);
    expect(sent.take(run('A', 1, 1024, 10))).not.toBe(mine); // another partition
    const other = run('B', 0, 1024, 10);
    expect(sent.take(other)).toBe(other); // another record at that position (another topic's, say)
    sent.release(read);
    expect(sent.take(read)).toBe(read);
  });

  it('holds at most its bound of ticks, the oldest dropped first', () => {
    const sent = createSentRuns(25);
    const runs = [run('A', 0, 0, 10), run('A', 0, 1024, 10), run('A', 0, 2048, 10)];
    sent.add(runs);
    expect(sent.take(run('A', 0, 0, 10))).not.toBe(runs[0]);
    expect(sent.take(run('A', 0, 1024, 10))).toBe(runs[1]);
    expect(sent.take(run('A', 0, 2048, 10))).toBe(runs[2]);
  });
});
