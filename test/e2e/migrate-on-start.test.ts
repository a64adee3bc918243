import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, spawnGatewayCommand } from '../helpers/process-gateway.js';

const bin = fileURLToPath(new URL('../../bin/marketgraph.mjs', import.meta.url));

/**
 * Against servers the gateway does not change a schema by itself: with pending migrations it
 * refuses to start and names them; with MIGRATE_ON_START (`serve --migrate`) it applies them.
 * A database of its own, so that nothing else has migrated it already.
 */
const { POSTGRES_URL } = process.env;

describe.skipIf(!POSTGRES_URL)(`start-up against servers with pending migrations${POSTGRES_URL ? '' : ' (POSTGRES_URL not set)'}`, () => {
  const database = `mg_pending_${Math.random().toString(36).slice(2, 8)}`;
  // Built only when the suite runs: without POSTGRES_URL there is nothing to parse.
  const url = new URL(POSTGRES_URL ?? 'postgres://unset/');
  url.pathname = `/${database}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`); // a generated identifier, not user input
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  // Only PostgreSQL is a server here: ticks, cache and stream stay embedded.
  const env = { POSTGRES_URL: url.toString(), REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', VECTOR_STORE: 'pgvector' };

  it('refuses to start and lists the pending migrations', async () => {
    const error = await spawnGateway(env, 60_000).then(
      async (g) => {
        await g.kill();
        return undefined;
      },
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/exited with 1/);
    expect(error?.message).toMatch(/relational 0001_initial/);
    expect(error?.message).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('applies them with MIGRATE_ON_START and serves', async () => {
    const gateway = await spawnGateway({ ...env, MIGRATE_ON_START: 'true' });
    try {
      const res = await gateway.gql(`{ instruments { edges { cursor } } }`);
      expect(res.errors).toBeUndefined();
      const check = new pg.Client({ connectionString: url.toString() });
      await check.connect();
      const { rows } = await check.query(`SELECT store, version FROM marketgraph_migrations ORDER BY store`);
      await check.end();
      expect(rows).toEqual(expect.arrayContaining([{ store: 'relational', version: 1 }, { store: 'graph', version: 1 }]));
    } finally {
      await gateway.stop();
    }
  });
});

describe.skipIf(!POSTGRES_URL)(`MIGRATE_ON_START through the command users run${POSTGRES_URL ? '' : ' (POSTGRES_URL not set)'}`, () => {
  // A database of its own again: the suite above has migrated its one.
  const database = `mg_pending_cli_${Math.random().toString(36).slice(2, 8)}`;
  const url = new URL(POSTGRES_URL ?? 'postgres://unset/');
  url.pathname = `/${database}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`); // a generated identifier, not user input
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('applies them and serves with `marketgraph serve` and no --migrate (issue 14)', async () => {
    const env = { POSTGRES_URL: url.toString(), REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', VECTOR_STORE: 'pgvector', MIGRATE_ON_START: 'true' };
    const gateway = await spawnGatewayCommand(process.execPath, [bin, 'serve'], env);
    try {
      const res = await gateway.gql(`{ instruments { edges { cursor } } }`);
      expect(res.errors).toBeUndefined();
    } finally {
      await gateway.stop();
    }
  });
});
