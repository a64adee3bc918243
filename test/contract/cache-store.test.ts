import { describe } from 'vitest';
import { createMemoryCacheStore } from '../../src/stores/cache/memory-cache-store.js';
import { createRedisCacheStore } from '../../src/stores/cache/redis-cache-store.js';
import { cacheStoreContract } from './cache-store.contract.js';

cacheStoreContract('in-process', async () => {
  const cache = createMemoryCacheStore();
  return [cache, cache];
});

// CI starts a Redis server (.ci/services.sh) and sets REDIS_URL; without it the suite is skipped, visibly.
const redisUrl = process.env.REDIS_URL;
describe.skipIf(!redisUrl)(`Redis server${redisUrl ? '' : ' (REDIS_URL not set)'}`, () => {
  const open = () => createRedisCacheStore({ url: redisUrl!, commandTimeoutMs: 2_000 });
  cacheStoreContract('Redis', async () => [open(), open()]);
});
