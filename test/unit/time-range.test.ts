import { describe, expect, it } from 'vitest';
import { TIME_BOUNDS, checkCandleRange, checkTimeRange } from '../../src/graphql/time-range.js';

const now = Date.UTC(2026, 10, 27, 12);
const codeOf = (f: () => void) => {
  try {
    f();
  } catch (error: any) {
    return `${error.extensions?.code} ${error.extensions?.argument}`;
  }
  return 'accepted';
};

describe('time ranges', () => {
  it('accept 2000-01-01 up to a day from now', () => {
    expect(codeOf(() => checkTimeRange(TIME_BOUNDS.earliest, now + 86_400_000, now))).toBe('accepted');
    expect(codeOf(() => checkTimeRange(undefined, null, now))).toBe('accepted');
  });

  it('refuse earlier, later and reversed ranges, naming the argument', () => {
    expect(codeOf(() => checkTimeRange(0, undefined, now))).toBe('BAD_USER_INPUT from');
    expect(codeOf(() => checkTimeRange(-9007199254740991, undefined, now))).toBe('BAD_USER_INPUT from');
    expect(codeOf(() => checkTimeRange(undefined, TIME_BOUNDS.earliest - 1, now))).toBe('BAD_USER_INPUT to');
    expect(codeOf(() => checkTimeRange(undefined, now + 86_400_001, now))).toBe('BAD_USER_INPUT to');
    expect(codeOf(() => checkTimeRange(now, now - 1, now))).toBe('BAD_USER_INPUT from');
  });

  it('bound the buckets a candles request spans, with `to` or up to now', () => {
    const max = TIME_BOUNDS.candleBucketsMax;
    expect(codeOf(() => checkCandleRange('M1', now - max * 60_000, now, now))).toBe('accepted');
    expect(codeOf(() => checkCandleRange('M1', now - (max + 1) * 60_000, now, now))).toBe('BAD_USER_INPUT from');
    expect(codeOf(() => checkCandleRange('M1', now - (max + 1) * 60_000, undefined, now))).toBe('BAD_USER_INPUT from');
    expect(codeOf(() => checkCandleRange('D1', TIME_BOUNDS.earliest, undefined, now))).toBe('accepted');
    expect(codeOf(() => checkCandleRange('M1', undefined, now, now))).toBe('accepted'); // `limit` buckets
  });
});
