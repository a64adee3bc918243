import { afterAll, describe, expect, it } from 'vitest';
import { openPgPool } from '../../src/stores/relational/pg-client.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';

/**
 * PostgreSQL over TLS as managed services offer it, set by POSTGRES_URL alone
 * (`sslmode=verify-full&sslrootcert=<CA file>`, which `pg` reads): .ci/services.sh's PostgreSQL
 * offers TLS with a certificate from a CA of its own and gives that URL as POSTGRES_TLS_URL.
 */
const { POSTGRES_TLS_URL, KAFKA_SECURE_CA_FILE } = process.env;

describe.skipIf(!POSTGRES_TLS_URL)(`PostgreSQL over TLS${POSTGRES_TLS_URL ? '' : ' (no .ci/services.sh PostgreSQL with TLS)'}`, () => {
  const pools: SqlClient[] = [];
  const gateways: GatewayProcess[] = [];
  const open = async (url: string) => {
    const pool = await openPgPool({ url, poolSize: 2, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000 });
    pools.push(pool);
    return pool;
  };
  afterAll(async () => {
    for (const g of gateways) await g.kill();
    for (const pool of pools) await pool.close();
  });

  it('connects with the server certificate checked, over TLS, and refuses a server its CA did not sign', async () => {
    const pool = await open(POSTGRES_TLS_URL!);
    const { rows } = await pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(rows).toEqual([{ ssl: true }]);
    // Another CA (Kafka's, from the same script): the certificate does not verify.
    if (KAFKA_SECURE_CA_FILE) {
      const other = await open(POSTGRES_TLS_URL!.replace(/sslrootcert=[^&]+/, `sslrootcert=${KAFKA_SECURE_CA_FILE}`));
      await expect(other.query('SELECT 1')).rejects.toThrow(/certificate/i);
    }
  });

  it('serves a gateway process configured by that POSTGRES_URL', async () => {
    const gateway = await spawnGateway({ POSTGRES_URL: POSTGRES_TLS_URL!, MIGRATE_ON_START: 'true' });
    gateways.push(gateway);
    const symbol = `PGTLS${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    expect((await gateway.gql(UPSERT, { instruments: [instrument(symbol)] })).data.upsertInstruments).toBe(1);
    expect((await gateway.gql(INSERT, { ticks: [{ symbol, time: Date.now() - 60_000, bid: 1, ask: 2 }] })).data.insertTicks.accepted).toBe(1);
    expect((await gateway.gql(`query($s: String!) { instrument(symbol: $s) { symbol } }`, { s: symbol })).data.instrument).toEqual({ symbol });
  }, 90_000);
});
