import { describe, expect, it } from 'vitest';
import { readConfig, type Config } from '../../src/config.js';

// The write path's two waits: each a whole number of ms from 0 to 1,000.
const SETTINGS: { name: string; field: keyof Config; fallback: number; why: string }[] = [
  { name: 'INGEST_MIN_INSERT_INTERVAL_MS', field: 'ingestMinInsertIntervalMs', fallback: 0, why: 'no insert waits by default (latency first)' },
  { name: 'INGEST_GROUP_WAIT_MS', field: 'ingestGroupWaitMs', fallback: 5, why: 'a group waits up to 5 ms for the bridges an insert answered' },
];

for (const { name, field, fallback, why } of SETTINGS) {
  describe(name, () => {
    it(`is ${fallback} unless set: ${why}`, () => {
      expect(readConfig({})[field]).toBe(fallback);
      expect(readConfig({ [name]: '20' })[field]).toBe(20);
      expect(readConfig({ [name]: '0' })[field]).toBe(0);
    });

    it('refuses what is not a whole number of ms from 0 to 1,000, naming the setting', () => {
      for (const bad of ['-1', '1001', '2.5', 'soon']) {
        expect(() => readConfig({ [name]: bad }), bad).toThrow(new RegExp(name));
      }
    });
  });
}
