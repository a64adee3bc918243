import { afterAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { until } from '../helpers/until.js';

/**
 * A gateway process on a Kafka that asks for SASL over TLS, configured as users configure it
 * (KAFKA_SSL_CA_FILE, KAFKA_SASL_*): ticks are acknowledged, stored by the sink and read back.
 * With a wrong password it says why in its log and /readyz, never printing the password.
 */
const { KAFKA_SECURE_BROKERS, KAFKA_SECURE_CA_FILE, KAFKA_SECURE_USER, KAFKA_SECURE_PASSWORD } = process.env;
const ready = Boolean(KAFKA_SECURE_BROKERS && KAFKA_SECURE_CA_FILE && KAFKA_SECURE_USER && KAFKA_SECURE_PASSWORD);

describe.skipIf(!ready)(`a gateway on Kafka over SASL and TLS${ready ? '' : ' (no .ci/services.sh Kafka with a secure listener)'}`, () => {
  const run = Math.random().toString(36).slice(2, 7).toUpperCase();
  const gateways: GatewayProcess[] = [];
  const env = (password: string) => ({
    KAFKA_BROKERS: KAFKA_SECURE_BROKERS!,
    KAFKA_TOPIC: `secure-e2e-${run}`,
    KAFKA_SINK_GROUP: `secure-e2e-${run}`,
    KAFKA_SINK_MAX_WAIT_MS: '100',
    KAFKA_SSL_CA_FILE: KAFKA_SECURE_CA_FILE!,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: KAFKA_SECURE_USER!,
    KAFKA_SASL_PASSWORD: password,
    MIGRATE_ON_START: 'true',
  });
  afterAll(async () => {
    for (const g of gateways) await g.kill();
  });

  it('acknowledges ticks, stores them through the sink and reads them back', async () => {
    const gateway = await spawnGateway(env(KAFKA_SECURE_PASSWORD!));
    gateways.push(gateway);
    const symbol = `SEC${run}`;
    expect((await gateway.gql(UPSERT, { instruments: [instrument(symbol)] })).data.upsertInstruments).toBe(1);
    const time = Date.now() - 60_000;
    const res = await gateway.gql(INSERT, { ticks: [0, 1, 2].map((k) => ({ symbol, time: time + k, bid: 1.1, ask: 1.2 })) });
    expect(res.data.insertTicks).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const read = async () => (await gateway.gql(`query($s: String!) { ticks(symbol: $s) { edges { node { time } } } }`, { s: symbol })).data.ticks.edges.length;
    expect(await until(read, (n) => n === 3, 20_000, 100)).toBe(3);
  }, 90_000);

  it('with a wrong password, reports the stream down, saying authentication failed, and never prints the password', async () => {
    const wrong = `wrong-${run}-password`;
    const gateway = await spawnGateway(env(wrong));
    gateways.push(gateway);
    const readyz = async () => (await (await fetch(gateway.url.replace('/graphql', '/readyz'))).json()) as { stores: { store: string; status: string; error?: string }[] };
    const stream = await until(async () => (await readyz()).stores.find((s) => s.store === 'stream'), (s) => s?.status === 'down', 30_000, 200);
    expect(stream).toMatchObject({ status: 'down' });
    const said = gateway.logs.filter((line) => /stream/.test(line) && /auth/i.test(line));
    expect(said.length).toBeGreaterThan(0);
    expect(gateway.logs.join('\n')).not.toContain(wrong);
    expect(JSON.stringify(await readyz())).not.toContain(wrong);
  }, 90_000);
});
