import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/config.js';

describe('READY_STORES', () => {
  it('defaults to the relational and tick stores', () => {
    expect(readConfig({}).readyStores).toEqual(['relational', 'ticks']);
  });

  it('takes store names separated by commas, spaces and repeats ignored', () => {
    expect(readConfig({ READY_STORES: ' graph, vector ,graph,' }).readyStores).toEqual(['graph', 'vector']);
  });

  it('refuses a name that is not a store, naming the variable', () => {
    expect(() => readConfig({ READY_STORES: 'relational,weaviate' })).toThrow(ConfigError);
    expect(() => readConfig({ READY_STORES: 'relational,weaviate' })).toThrow(/READY_STORES/);
    expect(() => readConfig({ READY_STORES: ',' })).toThrow(/READY_STORES/);
  });
});
