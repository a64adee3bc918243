import { describe, expect, it } from 'vitest';
import { createRecentKeys } from '../../src/ingest/recent-keys.js';

describe('recent keys', () => {
  it('remembers a key for the window, then forgets it', () => {
    let clock = 1_000;
    const recent = createRecentKeys(100, () => clock);
    expect(recent.add('a')).toBe(true);
    expect(recent.add('a')).toBe(false);
    clock += 99;
    expect(recent.has('a')).toBe(true);
    clock += 1;
    expect(recent.has('a')).toBe(false);
    expect(recent.add('a')).toBe(true);
  });

  it('does not extend a key\'s window when it is seen again', () => {
    let clock = 0;
    const recent = createRecentKeys(100, () => clock);
    recent.add('a');
    clock = 50;
    expect(recent.add('a')).toBe(false);
    clock = 100;
    expect(recent.has('a')).toBe(false);
  });

  it('expires keys in the order they came, over many milliseconds, and keeps the rest', () => {
    let clock = 0;
    const recent = createRecentKeys(1_000, () => clock);
    for (let i = 0; i < 3_000; i++) {
      clock = i;
      recent.add(`k${i}`);
      recent.add(`j${i}`); // two keys in the same millisecond
    }
    clock = 3_500; // keys added at 2,500 ms or before have expired
    expect(recent.has('k2500')).toBe(false);
    expect(recent.has('j2500')).toBe(false);
    expect(recent.has('k2501')).toBe(true);
    expect(recent.has('j2999')).toBe(true);
    expect(recent.size).toBe(2 * (3_000 - 2_501));
    clock = 10_000;
    expect(recent.has('k2999')).toBe(false);
    expect(recent.size).toBe(0);
  });
});
