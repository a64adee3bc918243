import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/config.js';

describe('KAFKA_RECORD_FORMAT', () => {
  const brokers = { KAFKA_BROKERS: '127.0.0.1:9092' };

  it('defaults to RowBinary and takes json', () => {
    expect(readConfig(brokers).kafka?.recordFormat).toBe('rowbinary');
    expect(readConfig({ ...brokers, KAFKA_RECORD_FORMAT: 'json' }).kafka?.recordFormat).toBe('json');
  });

  it('refuses any other value, naming the variable', () => {
    expect(() => readConfig({ ...brokers, KAFKA_RECORD_FORMAT: 'avro' })).toThrow(ConfigError);
    expect(() => readConfig({ ...brokers, KAFKA_RECORD_FORMAT: 'avro' })).toThrow(/KAFKA_RECORD_FORMAT/);
  });
});
