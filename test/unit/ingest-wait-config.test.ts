import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';

describe('INGEST_MIN_INSERT_INTERVAL_MS', () => {
  it('is 0 unless set: no insert waits by default (latency first)', () => {
    expect(readConfig({}).ingestMinInsertIntervalMs).toBe(0);
    expect(readConfig({ INGEST_MIN_INSERT_INTERVAL_MS: '20' }).ingestMinInsertIntervalMs).toBe(20);
  });

  it('refuses what is not a whole number of ms from 0 to 1,000, naming the setting', () => {
    for (const bad of ['-1', '1001', '2.5', 'soon']) {
      expect(() => readConfig({ INGEST_MIN_INSERT_INTERVAL_MS: bad }), bad).toThrow(/INGEST_MIN_INSERT_INTERVAL_MS/);
    }
  });
});

describe('INGEST_GROUP_WAIT_MS', () => {
  it('is 5 unless set, and 0 turns the wait off', () => {
    expect(readConfig({}).ingestGroupWaitMs).toBe(5);
    expect(readConfig({ INGEST_GROUP_WAIT_MS: '0' }).ingestGroupWaitMs).toBe(0);
  });

  it('refuses what is not a whole number of ms from 0 to 1,000, naming the setting', () => {
    for (const bad of ['-1', '1001', '2.5', 'soon']) {
      expect(() => readConfig({ INGEST_GROUP_WAIT_MS: bad }), bad).toThrow(/INGEST_GROUP_WAIT_MS/);
    }
  });
});
