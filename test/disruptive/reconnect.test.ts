import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRedisCacheStore } from '../../src/stores/cache/redis-cache-store.js';
import { openPgPool } from '../../src/stores/relational/pg-client.js';
import { createPostgresRelationalStore } from '../../src/stores/relational/postgres-relational-store.js';

/**
 * Server adapters survive a restart of their server: while it is down, ping fails within the
 * adapter's timeout instead of hanging; when it is back, the same object works again.
 *
 * This stops and starts real servers, so it only runs against the ones .ci/services.sh manages
 * (their URLs are in $MG_CI_DIR/env), never against a server someone else runs.
 */
const ciDir = process.env.MG_CI_DIR ?? '/tmp/marketgraph-ci';
const ciEnv = readIfExists(join(ciDir, 'env')).split('\n');
const ciManaged = (name: string) => {
  const url = process.env[name];
  return url !== undefined && ciEnv.includes(`export ${name}=${url}`) ? url : undefined;
};
const services = (command: string) =>
  promisify(execFile)('bash', [join(import.meta.dirname, '../../.ci/services.sh'), command], {
    env: { ...process.env, MG_CI_DIR: ciDir },
    timeout: 150_000,
  });

const TIMEOUT_MS = 1_000; // the adapters' command and connect timeouts in this file
const SLACK_MS = 1_500; // scheduling, process start-up of a loaded CI machine
const RECOVERY_MS = 20_000; // a restarted server answers well within this

const redisUrl = ciManaged('REDIS_URL');
describe.skipIf(!redisUrl)(`Redis restart${redisUrl ? '' : ' (REDIS_URL is not a .ci/services.sh server)'}`, () => {
  it('fails fast while Redis is down and works again when it is back, without reconstruction', async () => {
    const open = () => createRedisCacheStore({ url: redisUrl!, commandTimeoutMs: TIMEOUT_MS });
    const cache = open();
    const startedWhileDown = open();
    await cache.start();
    await cache.ping();
    try {
      await services('stop-redis');
      await expectRejectsWithin(() => cache.ping(), TIMEOUT_MS + SLACK_MS);
      await expectRejectsWithin(() => cache.getLatest(['X']), TIMEOUT_MS + SLACK_MS);
      // Starting against a server that is down succeeds; the store is reported down until it is back.
      await startedWhileDown.start();
      await expectRejectsWithin(() => startedWhileDown.ping(), TIMEOUT_MS + SLACK_MS);
    } finally {
      await services('start-redis');
    }
    try {
      for (const store of [cache, startedWhileDown]) {
        await eventually(() => store.ping(), RECOVERY_MS);
        await store.set('reconnect', 'yes', 60_000);
        expect(await store.get('reconnect')).toBe('yes');
      }
    } finally {
      await Promise.all([cache.close(), startedWhileDown.close()]);
    }
  });
});

const postgresUrl = ciManaged('POSTGRES_URL');
describe.skipIf(!postgresUrl)(`PostgreSQL restart${postgresUrl ? '' : ' (POSTGRES_URL is not a .ci/services.sh server)'}`, () => {
  it('fails fast while PostgreSQL is down and works again when it is back, without reconstruction', async () => {
    const pool = () => openPgPool({ url: postgresUrl!, poolSize: 2, statementTimeoutMs: TIMEOUT_MS, connectTimeoutMs: TIMEOUT_MS });
    const store = createPostgresRelationalStore('postgres', pool);
    const startedWhileDown = createPostgresRelationalStore('postgres', pool);
    await store.start();
    await store.ping();
    let openedWhileDown: Awaited<ReturnType<typeof pool>> | undefined;
    try {
      await services('stop-postgres');
      await expectRejectsWithin(() => store.ping(), TIMEOUT_MS + SLACK_MS);
      await expectRejectsWithin(() => store.accountsByIds(['1']), TIMEOUT_MS + SLACK_MS);
      // Opening the pool connects lazily, so it succeeds against a server that is down.
      openedWhileDown = await pool();
      await expectRejectsWithin(() => openedWhileDown!.query('SELECT 1'), TIMEOUT_MS + SLACK_MS);
      // It cannot reach the server, so start fails; the gateway retries it on the same object.
      await expectRejectsWithin(() => startedWhileDown.start(), TIMEOUT_MS + SLACK_MS);
    } finally {
      await services('start-postgres');
    }
    try {
      await eventually(() => store.ping(), RECOVERY_MS);
      expect(await store.accountsByIds(['0'])).toEqual([null]);
      await eventually(() => openedWhileDown!.query('SELECT 1'), RECOVERY_MS);
      await eventually(() => startedWhileDown.start(), RECOVERY_MS);
      await startedWhileDown.ping();
    } finally {
      await Promise.all([store.close(), startedWhileDown.close(), openedWhileDown?.close()]);
    }
  });
});

async function expectRejectsWithin(operation: () => Promise<unknown>, ms: number): Promise<void> {
  const started = performance.now();
  await expect(operation()).rejects.toThrow();
  expect(performance.now() - started).toBeLessThan(ms);
}

/** Retries until `operation` succeeds, for at most `ms`; the last error if it never does. */
async function eventually(operation: () => Promise<unknown>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await operation();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
