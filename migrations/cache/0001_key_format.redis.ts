import type { RedisMigrationContext } from '../../src/migrations/module-target.js';

// The cache's keys are `<prefix>v1:latest:<symbol>` and `<prefix>v1:result:<key>`. A change of
// their format is a new version (v2) and a migration that removes the v1 keys, so that a
// gateway of the new version never reads entries written in the old format.
const VERSION = 'v1';
const SCAN_COUNT = 500; // keys per SCAN round trip

/** Only cached copies go: everything in the cache can be computed again. */
export const destructive = { up: false, down: false };

/** Nothing to convert: before v1 there were no keys. */
export async function up(_ctx: RedisMigrationContext): Promise<void> {}

/** Removes the v1 keys, with SCAN (not KEYS, which blocks the server) and UNLINK. */
export async function down({ redis, keyPrefix }: RedisMigrationContext): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}${VERSION}:*`, 'COUNT', SCAN_COUNT);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
