import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { ciManagedUrl } from '../helpers/ci-services.js';
import { networkFaults, startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { until } from '../helpers/until.js';

/**
 * Network faults between the gateway and Kafka. .ci/services.sh gives the broker a second
 * listener that advertises KAFKA_FAULTS_PROXY_PORT, where this test's proxy listens: every
 * connection the Kafka client opens goes through the proxy. insertTicks fails with
 * STORE_UNAVAILABLE within the timeout budget while queries answer, the stream's circuit
 * opens and closes again when the network heals, and every acknowledged tick is stored once.
 */
const KAFKA_BROKERS = ciManagedUrl('KAFKA_BROKERS');
const LISTENER = process.env.KAFKA_FAULTS_LISTENER;
const PROXY_PORT = Number(process.env.KAFKA_FAULTS_PROXY_PORT);
const TIMEOUT_MS = 1_000;
const FAILURES_TO_OPEN = 3;
const HALF_OPEN_MS = 1_500;
const BUDGET_MS = TIMEOUT_MS + 1_500;

const FAULTS = networkFaults(TIMEOUT_MS);

const LIMIT_MS = 60_000;
const wait = <T>(read: () => Promise<T>, ok: (v: T) => boolean, limitMs = LIMIT_MS) => until(read, ok, limitMs, 200);

const ready = Boolean(KAFKA_BROKERS && LISTENER && PROXY_PORT);
describe.skipIf(!ready)(`faults between the gateway and Kafka${ready ? '' : ' (no .ci/services.sh Kafka with a faults listener)'}`, () => {
  let gw: TestGateway;
  let proxy: FaultProxy;
  const symbol = `KFL${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
  const run = randomUUID().slice(0, 8);
  const acknowledged = new Set<number>();
  let time = Date.now() - 3_600_000;

  const stream = async () => {
    const body = (await (await gw.get('/readyz')).json()) as { stores: { store: string; status: string; breaker: string }[] };
    const s = body.stores.find((x) => x.store === 'stream')!;
    return { status: s.status, breaker: s.breaker };
  };
  const insert = async () => {
    const ticks = Array.from({ length: 5 }, () => ({ symbol, time: (time += 1), bid: 1.1, ask: 1.2 }));
    const started = performance.now();
    const res = await gw.gql(INSERT, { ticks });
    if (!res.errors) for (const t of ticks) acknowledged.add(t.time);
    return { res, ms: performance.now() - started };
  };

  beforeAll(async () => {
    proxy = await startFaultProxy(LISTENER!, PROXY_PORT);
    gw = await startGateway({
      env: {
        KAFKA_BROKERS: `127.0.0.1:${PROXY_PORT}`,
        KAFKA_TOPIC: `faults-${run}`,
        KAFKA_SINK_GROUP: `faults-sink-${run}`,
        KAFKA_CLIENT_ID: `faults-${run}`,
        KAFKA_PARTITIONS: '1',
        POSTGRES_URL: '',
        REDIS_URL: '',
        STORE_TIMEOUT_MS: String(TIMEOUT_MS),
        STORE_BREAKER_FAILURES: String(FAILURES_TO_OPEN),
        STORE_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
        MIGRATE_ON_START: 'true',
      },
    });
    await wait(stream, (s) => s.status === 'up');
    expect((await gw.gql(UPSERT, { instruments: [instrument(symbol)] })).data.upsertInstruments).toBe(1);
    const { res } = await insert();
    expect(res.data.insertTicks.accepted).toBe(5);
  });
  afterAll(async () => {
    await gw?.destroy();
    await proxy?.close();
  });

  describe.each(FAULTS)('Kafka behind %s', (_, fault) => {
    it('fails insertTicks with STORE_UNAVAILABLE within the budget while queries answer, then the circuit opens', async () => {
      proxy.set(fault);
      for (let i = 0; i < FAILURES_TO_OPEN; i++) {
        const { res, ms } = await insert();
        expect(ms).toBeLessThan(BUDGET_MS);
        expect(res.errors).toEqual([expect.objectContaining({ extensions: { code: 'STORE_UNAVAILABLE', store: 'stream' } })]);
        const query = await gw.gql(`query($s: String!) { instrument(symbol: $s) { symbol } }`, { s: symbol });
        expect(query.data.instrument).toEqual({ symbol });
      }
      expect((await stream()).breaker).toBe('open');
      const { res, ms } = await insert();
      expect(res.errors?.[0]?.extensions).toEqual({ code: 'STORE_UNAVAILABLE', store: 'stream' });
      expect(ms).toBeLessThan(TIMEOUT_MS); // open: fails at once
    });

    it('recovers when the network heals, without a restart', async () => {
      proxy.set({ kind: 'none' });
      expect(await wait(stream, (s) => s.status === 'up' && s.breaker === 'closed')).toEqual({ status: 'up', breaker: 'closed' });
      const accepted = await wait(insert, ({ res }) => !res.errors, 30_000);
      expect(accepted.res.data.insertTicks.accepted).toBe(5);
    });
  });

  it('stores every acknowledged tick, once', async () => {
    const stored = async () => {
      const res = await gw.gql(`query($s: String!) { ticks(symbol: $s, first: 10000) { edges { node { time } } } }`, { s: symbol });
      return (res.data?.ticks.edges ?? []).map((e: any) => Date.parse(e.node.time)) as number[];
    };
    const times = await wait(stored, (t) => [...acknowledged].every((a) => t.includes(a)), 90_000);
    for (const a of acknowledged) expect(times).toContain(a);
    expect(new Set(times).size).toBe(times.length); // none twice
  });
});
