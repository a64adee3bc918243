import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseFixture, type ClickHouseFixture } from '../helpers/clickhouse-fixture.js';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { until } from '../helpers/until.js';

/**
 * ClickHouse over HTTPS, as ClickHouse Cloud serves it: an `https://` CLICKHOUSE_URL, and for a
 * private CA Node's NODE_EXTRA_CA_CERTS. The ClickHouse fixture serves HTTPS here with a
 * certificate from a CA made for the test (openssl, which .ci/services.sh installs).
 */
const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!openssl)(`ClickHouse over HTTPS${openssl ? '' : ' (no openssl to make a certificate)'}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-clickhouse-tls-'));
  const file = (name: string) => join(dir, name);
  let clickhouse: ClickHouseFixture;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=marketgraph-test-ca', '-keyout', file('ca.key'), '-out', file('ca.pem'));
    run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr'));
    writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    run('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('san.ext'), '-out', file('server.crt'));
    clickhouse = await startClickHouseFixture(undefined, { certFile: file('server.crt'), keyFile: file('server.key') });
  });
  afterAll(async () => {
    for (const g of gateways) await g.kill();
    await clickhouse?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (env: Record<string, string>) => {
    const gateway = await spawnGateway({ CLICKHOUSE_URL: clickhouse.url, MIGRATE_ON_START: 'true', ...env });
    gateways.push(gateway);
    const ticksStore = async () => ((await (await fetch(gateway.url.replace('/graphql', '/readyz'))).json()) as { stores: { store: string; status: string }[] }).stores.find((s) => s.store === 'ticks')!;
    return { gateway, ticksStore };
  };

  it('stores and reads ticks over HTTPS with the CA added by NODE_EXTRA_CA_CERTS', async () => {
    expect(clickhouse.url).toMatch(/^https:/);
    const { gateway } = await start({ NODE_EXTRA_CA_CERTS: file('ca.pem') });
    const symbol = `CHTLS${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    expect((await gateway.gql(UPSERT, { instruments: [instrument(symbol)] })).data.upsertInstruments).toBe(1);
    const time = Date.now() - 60_000;
    expect((await gateway.gql(INSERT, { ticks: [0, 1].map((k) => ({ symbol, time: time + k, bid: 1, ask: 2 })) })).data.insertTicks.accepted).toBe(2);
    const read = async () => (await gateway.gql(`query($s: String!) { ticks(symbol: $s) { edges { node { time } } } }`, { s: symbol })).data.ticks.edges.length;
    expect(await until(read, (n) => n === 2, 10_000, 100)).toBe(2);
  }, 90_000);

  it('does not trust the server without its CA: the tick store is reported down', async () => {
    const { ticksStore } = await start({});
    expect(await until(ticksStore, (s) => s.status === 'down', 20_000, 200)).toMatchObject({ status: 'down' });
  }, 90_000);
});
