import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouseTickStore } from '../../src/stores/ticks/clickhouse-tick-store.js';
import { startClickHouseFixture, type ClickHouseFixture } from '../helpers/clickhouse-fixture.js';
import { startMigrated } from '../helpers/migrate.js';
import { tickStoreContract } from './tick-store.contract.js';

const credentials = { username: 'marketgraph', password: 'fixture-secret' };
let fixture: ClickHouseFixture | undefined;
afterAll(async () => fixture?.stop());

tickStoreContract('ClickHouse over HTTP (test fixture: chDB behind the HTTP interface)', async () => {
  fixture = await startClickHouseFixture(credentials);
  return startMigrated('ticks', createClickHouseTickStore({ url: fixture.url, database: 'marketgraph', ...credentials, requestTimeoutMs: 10_000 }));
});

describe('ClickHouse tick store over HTTP', () => {
  it('sends symbols as parameters, never in the SQL text', () => {
    const requests = fixture?.requests ?? [];
    const evil = `x'); DROP TABLE ticks; --`;
    expect(requests.filter((r) => r.sql.includes('DROP TABLE'))).toEqual([]);
    expect(requests.some((r) => r.params.param_symbols?.includes(evil.replace("'", "\\'")))).toBe(true);
  });

  it('sends inserts as RowBinary rows, which the server copies rather than parses', () => {
    const inserts = (fixture?.requests ?? []).filter((r) => /^\s*INSERT INTO ticks\b/i.test(r.sql));
    expect(inserts.length).toBeGreaterThan(0);
    expect(inserts.filter((r) => !/FORMAT RowBinary$/.test(r.sql))).toEqual([]);
  });

  it('fails start with a clear error when the server is unreachable', async () => {
    const store = createClickHouseTickStore({ url: 'http://127.0.0.1:1', database: 'marketgraph', ...credentials, requestTimeoutMs: 2_000 });
    await expect(store.start()).rejects.toThrow(/ClickHouse at http:\/\/127\.0\.0\.1:1\/marketgraph is unreachable/);
    expect(store.engine).toBe('clickhouse http://127.0.0.1:1/marketgraph');
  });

  it('rejects ping with the driver error when the server is gone', async () => {
    const gone = await startClickHouseFixture();
    const store = createClickHouseTickStore({ url: gone.url, database: 'default', username: 'default', password: '', requestTimeoutMs: 2_000 });
    await store.start();
    await gone.stop();
    await expect(store.ping()).rejects.toThrow();
    await store.close();
  });
});

const realUrl = process.env.CLICKHOUSE_URL;
if (realUrl) {
  tickStoreContract(`ClickHouse server at ${new URL(realUrl).host}`, async () =>
    startMigrated('ticks', createClickHouseTickStore({
      url: realUrl,
      database: process.env.CLICKHOUSE_DATABASE ?? 'marketgraph_test',
      username: process.env.CLICKHOUSE_USER ?? 'default',
      password: process.env.CLICKHOUSE_PASSWORD ?? '',
      requestTimeoutMs: 30_000,
    })),
  );
} else {
  it.skip('TickStore contract: ClickHouse server (skipped: CLICKHOUSE_URL is not set)', () => {});
}
