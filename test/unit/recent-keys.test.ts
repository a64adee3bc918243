import { describe, expect, it } from 'vitest';
import { createRecentKeys } from '../../src/ingest/recent-keys.js';

describe('recent keys', () => {
  it('remembers a key for at least the window and forgets it within twice the window', () => {
    for (const addedAt of [0, 1, 50, 99]) {
      let clock = 0;
      const recent = createRecentKeys(100, () => clock);
      clock = addedAt;
      expect(recent.add('a')).toBe(true);
      expect(recent.add('a')).toBe(false);
      clock = addedAt + 99;
      expect(recent.has('a')).toBe(true);
      clock = addedAt + 200;
      expect(recent.has('a')).toBe(false);
      expect(recent.add('a')).toBe(true);
    }
  });

  it('does not extend a key\'s time when it is seen again', () => {
    let clock = 0;
    const recent = createRecentKeys(100, () => clock);
    recent.add('a');
    clock = 150;
    expect(recent.add('a')).toBe(false);
    clock = 200;
    expect(recent.has('a')).toBe(false);
  });

  it('keeps the keys of the last window over many milliseconds, and forgets all after an idle spell', () => {
    let clock = 0;
    const recent = createRecentKeys(1_000, () => clock);
    for (let i = 0; i < 3_000; i++) {
      clock = i;
      recent.add(`k${i}`);
    }
    for (let i = 2_000; i < 3_000; i++) expect(recent.has(`k${i}`)).toBe(true);
    expect(recent.has('k999')).toBe(false);
    expect(recent.size).toBeLessThanOrEqual(2_000);
    clock = 10_000;
    expect(recent.has('k2999')).toBe(false);
    expect(recent.size).toBe(0);
  });
});
