import { describe, expect, it } from 'vitest';
import { writeNumber } from '../../src/stores/stream/json-records.js';
import { toRecords } from '../../src/stores/stream/tick-records.js';
import type { TickInput } from '../../src/stores/ticks/tick-store.js';

const written = (n: number) => {
  const b = Buffer.alloc(32);
  return b.toString('latin1', 0, writeNumber(b, 0, n));
};

/** A deterministic stream of numbers (xorshift), so that a failure names its case again. */
function* randoms(seed: number, count: number): Generator<number> {
  let x = seed;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield (x >>> 0) / 2 ** 32;
  }
}

describe('JSON records (format 2)', () => {
  it('writes every number as JSON.stringify does: prices, times, volumes and the awkward ones', () => {
    const cases = [
      0, -0, 1, -1, 0.5, 1.1, 1.1002, 0.1 + 0.2, 1e-6, 9.99e-7, 1e-7, 5e-7, 123456.7, 1e15, 1e15 + 0.5, 1e21, 1e22, 2 ** 53, 2 ** 53 + 2,
      Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, 0.9999999999999999, 1.0000000000000002,
      1_767_225_600_000, 2_147_483_647, -2_147_483_648, 99_999.99999, 0.000001, 0.0000012345, 1.23456789, 1.234567891, 1.2345678912,
    ];
    for (const n of cases) expect(written(n), String(n)).toBe(JSON.stringify(n));
    const r = randoms(2463534242, 400_000);
    for (let i = 0; i < 100_000; i++) {
      // Prices with 0 to 9 decimals at every magnitude a market quotes, and arbitrary doubles.
      const decimals = Math.floor(r.next().value! * 10);
      const price = Math.round(r.next().value! * 10 ** (1 + Math.floor(r.next().value! * 8)) * 10 ** decimals) / 10 ** decimals;
      const any = (r.next().value! - 0.5) * 10 ** (Math.floor(i / 1000) - 50);
      for (const n of [price, -price, any]) if (written(n) !== JSON.stringify(n)) expect(written(n), `${n}`).toBe(JSON.stringify(n));
    }
  });

  it('writes each tick as the JSON line of its fields, symbols escaped as JSON escapes them', () => {
    const ticks: TickInput[] = [
      { symbol: 'EURUSD', time: 1_767_225_600_000, bid: 1.1, ask: 1.1002, last: null, volume: 1, flags: 6 },
      { symbol: 'EURUSD', time: 1_767_225_600_001, bid: 1.10005, ask: 1.10025, last: 1.1001, volume: 0.25, flags: null },
      { symbol: 'BRK"B\\é', time: -5, bid: 123_456.789, ask: 1e-7, last: 2 ** 53 + 2, volume: null, flags: -1 },
    ];
    const records = toRecords(ticks, 'json');
    const lines = records.flatMap((r) => r.value.toString('utf8').split('\n'));
    expect(lines).toEqual([ticks[0], ticks[1], ticks[2]].map((t) => JSON.stringify(t)));
  });
});
