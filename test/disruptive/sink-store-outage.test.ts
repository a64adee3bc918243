import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseTickStore } from '../../src/stores/ticks/clickhouse-tick-store.js';
import type { TickStore } from '../../src/stores/ticks/tick-store.js';
import { ciManagedUrl } from '../helpers/ci-services.js';
import { startClickHouseFixture, type ClickHouseFixture } from '../helpers/clickhouse-fixture.js';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { until } from '../helpers/until.js';

/**
 * The Kafka sink while ClickHouse hangs (the HTTP fixture frozen with SIGSTOP): insertTicks
 * goes on acknowledging (the log is the acknowledgement), the sink's batches fail and are not
 * committed, the gateway says so in its log and its lag metric, and once ClickHouse answers
 * again every acknowledged tick is stored, once, without a restart.
 */
const { POSTGRES_URL, REDIS_URL } = process.env;
const KAFKA_BROKERS = ciManagedUrl('KAFKA_BROKERS');
const ready = Boolean(POSTGRES_URL && REDIS_URL && KAFKA_BROKERS);

describe.skipIf(!ready)(`the Kafka sink while ClickHouse hangs${ready ? '' : ' (no .ci/services.sh Kafka, PostgreSQL or Redis)'}`, () => {
  const run = Math.random().toString(36).slice(2, 7).toUpperCase();
  const symbol = `SNKOUT${run}`;
  let clickhouse: ClickHouseFixture;
  let gateway: GatewayProcess;
  let ticks: TickStore;
  let frozen = false;

  beforeAll(async () => {
    clickhouse = await startClickHouseFixture();
    gateway = await spawnGateway({
      POSTGRES_URL: POSTGRES_URL!,
      REDIS_URL: REDIS_URL!,
      KAFKA_BROKERS: KAFKA_BROKERS!,
      KAFKA_TOPIC: `sink-outage-${run}`,
      KAFKA_SINK_GROUP: `sink-outage-${run}`,
      KAFKA_SINK_MAX_WAIT_MS: '200',
      CLICKHOUSE_URL: clickhouse.url,
      MIGRATE_ON_START: 'true',
      STORE_TIMEOUT_MS: '1000',
      STORE_BREAKER_HALF_OPEN_MS: '1000',
    });
    ticks = createClickHouseTickStore({ url: clickhouse.url, database: 'default', username: 'default', password: '', requestTimeoutMs: 10_000 });
    await ticks.start();
  });
  afterAll(async () => {
    if (frozen) process.kill(clickhouse.pid, 'SIGCONT');
    await gateway?.kill();
    await ticks?.close();
    await clickhouse?.stop();
  });

  it('acknowledges ticks while ClickHouse hangs, says the sink cannot store them, and stores each once when it answers again', async () => {
    expect((await gateway.gql(UPSERT, { instruments: [instrument(symbol)] })).data.upsertInstruments).toBe(1);
    let time = Date.now() - 600_000;
    const batch = () => Array.from({ length: 100 }, () => ({ symbol, time: time++, bid: 1.1, ask: 1.2 }));
    const acknowledged: number[] = [];
    const send = async () => {
      const ticksOf = batch();
      const res = await gateway.gql(INSERT, { ticks: ticksOf });
      expect(res.data.insertTicks).toMatchObject({ accepted: 100, rejected: [] });
      acknowledged.push(...ticksOf.map((t) => t.time));
    };
    const storedTimes = async () => (await ticks.ticksBetween([symbol], 0, Date.now() + 60_000)).map((t) => t.time);
    // marketgraph_stream_sink_lag_records, summed over the partitions this process's sink holds.
    const lag = async () => {
      const text = await (await fetch(new URL('/metrics', gateway.url))).text();
      const lines = text.split('\n').filter((line) => line.startsWith('marketgraph_stream_sink_lag_records{'));
      return lines.length === 0 ? undefined : lines.reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    };
    await send();
    expect(await until(storedTimes, (t) => t.length === 100, 20_000, 100)).toHaveLength(100);

    process.kill(clickhouse.pid, 'SIGSTOP');
    frozen = true;
    for (let i = 0; i < 10; i++) await send();
    const failed = () => gateway.logs.filter((line) => line.includes('tick sink: a batch could not be stored'));
    expect(await until(async () => failed().length, (n) => n > 0, 30_000, 200)).toBeGreaterThan(0);
    // An operator sees the sink fall behind: the records of the unstored batches.
    expect(await until(lag, (n) => n !== undefined && n > 0, 10_000, 200)).toBeGreaterThan(0);
    // Long enough for the consumer's retries to run out and the consumer to start again (about 3 s).
    await new Promise((r) => setTimeout(r, 10_000));
    await send();
    process.kill(clickhouse.pid, 'SIGCONT');
    frozen = false;

    await send();
    const stored = await until(storedTimes, (t) => t.length >= acknowledged.length, 60_000, 200);
    expect(stored.sort((a, b) => a - b)).toEqual(acknowledged.sort((a, b) => a - b));
    expect(await until(lag, (n) => n === 0, 10_000, 200)).toBe(0);
  });
});
