import { afterAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { until } from '../helpers/until.js';

/**
 * Redis (or Dragonfly) over TLS as managed services offer it: a `rediss://` REDIS_URL, and for a
 * private CA Node's NODE_EXTRA_CA_CERTS. .ci/services.sh's Redis serves TLS on a port of its own
 * with a certificate from a CA of its own (REDIS_TLS_URL, REDIS_TLS_CA_FILE).
 */
const { REDIS_TLS_URL, REDIS_TLS_CA_FILE } = process.env;
const ready = Boolean(REDIS_TLS_URL && REDIS_TLS_CA_FILE);

describe.skipIf(!ready)(`Redis over TLS${ready ? '' : ' (no .ci/services.sh Redis with TLS)'}`, () => {
  const gateways: GatewayProcess[] = [];
  afterAll(async () => {
    for (const g of gateways) await g.kill();
  });
  const cacheOf = async (env: Record<string, string>) => {
    const gateway = await spawnGateway({ REDIS_URL: REDIS_TLS_URL!, MIGRATE_ON_START: 'true', ...env });
    gateways.push(gateway);
    const readyz = async () => ((await (await fetch(gateway.url.replace('/graphql', '/readyz'))).json()) as { stores: { store: string; status: string; error?: string }[] }).stores.find((s) => s.store === 'cache')!;
    return { gateway, readyz };
  };

  it('reaches the cache over TLS with the CA added by NODE_EXTRA_CA_CERTS (reported up), and answers with it up', async () => {
    const { gateway, readyz } = await cacheOf({ NODE_EXTRA_CA_CERTS: REDIS_TLS_CA_FILE! });
    expect(await until(readyz, (s) => s.status === 'up', 20_000, 200)).toMatchObject({ status: 'up' });
    const symbol = `RTLS${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    expect((await gateway.gql(UPSERT, { instruments: [instrument(symbol)] })).data.upsertInstruments).toBe(1);
    const time = Date.now() - 60_000;
    expect((await gateway.gql(INSERT, { ticks: [{ symbol, time, bid: 1.5, ask: 1.6 }] })).data.insertTicks.accepted).toBe(1);
    expect((await gateway.gql(`query($s: String!) { instrument(symbol: $s) { latestTick { bid } } }`, { s: symbol })).data.instrument.latestTick).toEqual({ bid: 1.5 });
  }, 90_000);

  it('does not trust the server without its CA: the cache is reported down', async () => {
    const { readyz } = await cacheOf({});
    const cache = await until(readyz, (s) => s.status === 'down', 20_000, 200);
    expect(cache).toMatchObject({ status: 'down' });
  }, 90_000);
});
