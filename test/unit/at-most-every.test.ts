import { afterEach, describe, expect, it, vi } from 'vitest';
import { atMostEvery } from '../../src/logger.js';

describe('atMostEvery', () => {
  afterEach(() => vi.useRealTimers());

  it('writes the first event, passes over the others for the interval, then writes the next one with how many were passed over', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const written: number[] = [];
    const once = atMostEvery(10_000);
    for (let i = 0; i < 5; i++) once((since) => written.push(since));
    expect(written).toEqual([0]);
    vi.setSystemTime(1_000_000 + 9_999);
    once((since) => written.push(since));
    expect(written).toEqual([0]);
    vi.setSystemTime(1_000_000 + 10_000);
    once((since) => written.push(since));
    expect(written).toEqual([0, 5]);
  });
});
