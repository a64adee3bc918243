import type { Config } from '../config.js';
import type { TickIngest } from '../ingest/insert-ticks.js';
import type { Stores } from '../stores/stores.js';
import type { TickHub } from './tick-hub.js';
import { createLoaders, type Loaders } from './loaders.js';

/** What every resolver receives: the stores, this request's loaders, the write path. */
export interface Context {
  config: Config;
  stores: Stores;
  loaders: Loaders;
  ingest: TickIngest;
  hub: TickHub;
}

export type AppServices = Omit<Context, 'loaders'>;

export function createContext(services: AppServices): Context {
  return { ...services, loaders: createLoaders(services.stores) };
}
