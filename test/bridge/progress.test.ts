import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/import/progress.js';

/** A stand-in stderr and clock: what import draws on a terminal and writes to a log. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream };
}

describe('import progress', () => {
  it('draws a bar with ticks/s and time left on a terminal, redrawn in place, cleared at the end', () => {
    const { writes, stream } = fakeStream(true);
    let now = 0;
    const progress = createProgress(stream, () => now);
    now = 100;
    progress.update('EURUSD.csv', 0.1, 500); // under 200 ms since the last: not drawn
    now = 2_000;
    progress.update('EURUSD.csv', 0.25, 50_000);
    progress.done();
    expect(writes).toEqual(['\r\x1b[K[######..................] 25.0% EURUSD.csv  50,000 ticks  25,000 ticks/s  6 s left', '\r\x1b[K']);
  });

  it('writes a plain line every 5 s when stderr is not a terminal', () => {
    const { writes, stream } = fakeStream(false);
    let now = 0;
    const progress = createProgress(stream, () => now);
    for (now = 1_000; now <= 12_000; now += 1_000) progress.update('big.csv', now / 120_000, now * 10);
    progress.done();
    expect(writes).toEqual([
      'import: 4.2% of big.csv, 50,000 ticks, 10,000 ticks/s, 1 min 55 s left\n',
      'import: 8.3% of big.csv, 100,000 ticks, 10,000 ticks/s, 1 min 50 s left\n',
    ]);
  });
});
