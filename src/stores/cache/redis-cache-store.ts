import { Redis } from 'ioredis';
import type { StoredTick } from '../ticks/tick-store.js';
import { isNewer, type CacheStore } from './cache-store.js';

export interface RedisCacheOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  url: string;
  /** Put before every key, so several deployments can share one server. Default 'mg:'. */
  keyPrefix?: string;
  /** A command (ping included) without an answer after this fails; also bounds connecting (milliseconds). */
  commandTimeoutMs: number;
}

// The server is Dragonfly in production and Redis 7 in CI. Only commands both support are used:
// PING, GET, SET … PX, MGET, INCR, EVALSHA/EVAL (ioredis falls back to EVAL on NOSCRIPT) and QUIT.
// The script reads and writes only keys passed in KEYS, as Dragonfly requires by default, and
// uses only Lua's string library (no cjson).

// Latest ticks are stored as "<time>|<seq>|<tick as JSON>", so the script compares (time, seq)
// without decoding JSON and getLatest is one MGET. The key carries the format's version.
// KEYS[i] is the symbol's key, ARGV[2i-1] its (time, seq) prefix, ARGV[2i] the whole value.
const offerLatestLua = `
local written = 0
for i, key in ipairs(KEYS) do
  local value = ARGV[2 * i]
  local current = redis.call('GET', key)
  local newer = true
  if current then
    local t, s = string.match(current, '^([^|]*)|([^|]*)|')
    local nt, ns = string.match(ARGV[2 * i - 1], '^([^|]*)|([^|]*)$')
    t, s, nt, ns = tonumber(t), tonumber(s), tonumber(nt), tonumber(ns)
    newer = t == nil or nt > t or (nt == t and ns > s)
  end
  if newer then
    redis.call('SET', key, value)
    written = written + 1
  end
end
return written
`;

// ioredis flattens array arguments one level, so a batch of any size is not spread onto the stack.
type OfferLatestCommand = { mgOfferLatest(numberOfKeys: number, keys: string[], args: string[]): Promise<number> };

const RECONNECT_MAX_DELAY_MS = 2_000; // 2 seconds

/**
 * Latest ticks and query results in Redis or Dragonfly. Opening and start() never fail on a
 * server that is down: commands then fail at once (no offline queue), ping reports it, and
 * the client reconnects in the background, so the same object works again when the server is back.
 */
export function createRedisCacheStore({ url, keyPrefix = 'mg:', commandTimeoutMs }: RedisCacheOptions): CacheStore {
  const redis = new Redis(url, {
    lazyConnect: true,
    // Without a connection a command fails now instead of waiting in a queue for one.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_MAX_DELAY_MS),
  }) as Redis & OfferLatestCommand;
  redis.defineCommand('mgOfferLatest', { lua: offerLatestLua });
  // Connection errors are emitted here while the client reconnects; commands fail on their own
  // and ping reports the store down. Without a listener ioredis logs every attempt.
  redis.on('error', () => {});

  const latestKey = (symbol: string) => `${keyPrefix}v1:latest:${symbol}`;
  const resultKey = (key: string) => `${keyPrefix}v1:result:${key}`;
  const { hostname, port } = new URL(url);

  return {
    engine: `redis ${hostname}:${port || 6379}`,
    redisClient: () => ({ redis, keyPrefix }),
    async start() {
      // One attempt; if it fails the client keeps retrying by itself (retryStrategy).
      await redis.connect().catch(() => {});
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },

    async getLatest(symbols) {
      if (symbols.length === 0) return [];
      const values = await redis.mget(symbols.map(latestKey));
      return values.map((v) => (v === null ? undefined : decodeTick(v)));
    },

    async offerLatest(ticks) {
      // Only the newest per symbol goes over the wire; the script settles it against the server.
      const newest = new Map<string, StoredTick>();
      for (const tick of ticks) if (isNewer(tick, newest.get(tick.symbol))) newest.set(tick.symbol, tick);
      if (newest.size === 0) return;
      const keys: string[] = [];
      const args: string[] = [];
      for (const tick of newest.values()) {
        keys.push(latestKey(tick.symbol));
        args.push(`${tick.time}|${tick.seq}`, encodeTick(tick));
      }
      await redis.mgOfferLatest(keys.length, keys, args);
    },

    async get(key) {
      return (await redis.get(resultKey(key))) ?? undefined;
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      return (await redis.mget(keys.map(resultKey))).map((v) => v ?? undefined);
    },
    async increment(key) {
      return redis.incr(resultKey(key));
    },
    async set(key, value, ttlMs) {
      // PX takes a positive integer.
      await redis.set(resultKey(key), value, 'PX', Math.max(1, Math.ceil(ttlMs)));
    },
  };
}

// The port's fields only, in a fixed order: the stored format is v1 whatever else a tick object carries.
function encodeTick({ symbol, time, bid, ask, last, volume, flags, seq }: StoredTick): string {
  return `${time}|${seq}|${JSON.stringify({ symbol, time, bid, ask, last, volume, flags, seq })}`;
}

function decodeTick(value: string): StoredTick {
  const json = value.indexOf('|', value.indexOf('|') + 1) + 1;
  return JSON.parse(value.slice(json)) as StoredTick;
}
