import type { RedisMigrationContext } from '../../migrations/module-target.js';
import type { StoredTick } from '../ticks/tick-store.js';

/** The port for the latest tick per symbol and small query results. */
export interface CacheStore {
  readonly engine: string;
  /** The client and key prefix migrations run with, for the Redis adapter. */
  redisClient?(): RedisMigrationContext;
  start(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** In the order of `symbols`; undefined where the cache does not know the symbol. */
  getLatest(symbols: readonly string[]): Promise<(StoredTick | undefined)[]>;
  /** Keeps, per symbol, whichever is newer by (time, seq): the cached tick or the offered one. */
  offerLatest(ticks: readonly StoredTick[]): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /** In the order of `keys`; undefined where absent or expired. */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Adds one to the number stored at `key` (absent: 0), which then never expires; returns it. `get` reads it. */
  increment(key: string): Promise<number>;
}

export function isNewer(a: StoredTick, b: StoredTick | undefined): boolean {
  return !b || a.time > b.time || (a.time === b.time && a.seq > b.seq);
}
