import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationTarget } from '../../src/migrations/migration.js';
import { moduleTarget } from '../../src/migrations/module-target.js';
import { migrateDown, migrateUp } from '../../src/migrations/run-migrations.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { ledgerDatabase, ledgerRows, modulesAs } from './module-ledger.js';

const redisUrl = process.env.REDIS_URL;
const postgresUrl = process.env.POSTGRES_URL;
const run = Math.random().toString(36).slice(2, 8);

describe.skipIf(!redisUrl || !postgresUrl)(`cache migrations${redisUrl && postgresUrl ? '' : ' (REDIS_URL or POSTGRES_URL not set)'}`, () => {
  const store = `cache_${run}`;
  // A prefix of the test's own: down removes only this run's keys.
  const keyPrefix = `mg-migrations-${run}:`;
  let redis: Redis;
  let ledger: SqlClient;
  let drop: () => Promise<void>;
  let target: MigrationTarget;

  beforeAll(async () => {
    ({ ledger, drop } = await ledgerDatabase(postgresUrl!, `mg_redis_migrations_${run}`));
    redis = new Redis(redisUrl!);
    target = moduleTarget(store, 'redis', { redis, keyPrefix }, ledger, await modulesAs('cache', 'redis', store));
  });
  afterAll(async () => {
    await redis?.quit();
    await drop?.();
  });

  it('records the key format in the ledger on up', async () => {
    await migrateUp([target]);
    expect(await ledgerRows(ledger, `${store}:redis`)).toEqual([{ version: 1, checksum: target.migrations[0]!.checksum }]);
  });

  it('removes the v1 keys and its ledger row on down, without needing allowDataLoss (a cache only holds copies)', async () => {
    await redis.set(`${keyPrefix}v1:latest:EUR/USD`, '1');
    await redis.set(`${keyPrefix}other`, 'kept');
    await migrateDown([target], { to: 0 });
    expect(await redis.exists(`${keyPrefix}v1:latest:EUR/USD`)).toBe(0);
    expect(await redis.get(`${keyPrefix}other`)).toBe('kept');
    expect(await ledgerRows(ledger, `${store}:redis`)).toEqual([]);
    await redis.del(`${keyPrefix}other`);
  });
});
