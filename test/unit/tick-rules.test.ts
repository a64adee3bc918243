import { describe, expect, it } from 'vitest';
import { checkTickBatch } from '../../src/ingest/tick-rules.js';
import type { TickInput } from '../../src/stores/ticks/tick-store.js';

const tick = (symbol: string): TickInput => ({ symbol, time: 1_700_000_000_000, bid: 1, ask: 1.1, last: null, volume: null, flags: null });

/** The call's rules: every symbol is checked, however the batch's ticks are ordered, and the first bad one is named. */
describe('checkTickBatch', () => {
  const refusal = (ticks: TickInput[]) => {
    try {
      checkTickBatch(ticks, 100_000);
    } catch (error) {
      return { message: (error as Error).message, code: (error as { extensions?: { code?: string } }).extensions?.code };
    }
    return undefined;
  };

  it('passes runs of one symbol and interleaved symbols', () => {
    expect(refusal([tick('A'), tick('A'), tick('B'), tick('A'), tick('B'), tick('B')])).toBeUndefined();
  });

  it('refuses a symbol that cannot exist wherever it is: after a run, between runs, after 300 other symbols', () => {
    const bad = 'A\u0000B';
    expect(refusal([tick('A'), tick('A'), tick(bad)])).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('"ticks[2].symbol"') });
    expect(refusal([tick('A'), tick('B'), tick('A'), tick(bad), tick('A')])).toMatchObject({ message: expect.stringContaining('"ticks[3].symbol"') });
    const many = Array.from({ length: 300 }, (_, i) => tick(`S${i}`));
    expect(refusal([...many, ...many, tick(bad)])).toMatchObject({ message: expect.stringContaining('"ticks[600].symbol"') });
  });

  it('refuses more ticks than a call may carry', () => {
    expect(() => checkTickBatch([tick('A'), tick('A')], 1)).toThrow('at most 1 ticks per insertTicks call; got 2');
  });
});
