import { createMemoryCacheStore } from '../../src/stores/cache/memory-cache-store.js';
import { cacheStoreContract } from './cache-store.contract.js';

cacheStoreContract('in-process', async () => createMemoryCacheStore());
