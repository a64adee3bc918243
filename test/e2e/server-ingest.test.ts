import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import WebSocket from 'ws';
import { tickKey } from '../helpers/tick-key.js';
import { createClickHouseTickStore } from '../../src/stores/ticks/clickhouse-tick-store.js';
import type { TickStore } from '../../src/stores/ticks/tick-store.js';
import { startClickHouseFixture, type ClickHouseFixture } from '../helpers/clickhouse-fixture.js';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';

/**
 * The gateway on servers, as users run it in production: PostgreSQL, Redis, Kafka, and
 * ClickHouse (here the HTTP fixture over chDB). Every gateway is its own process.
 */
const { POSTGRES_URL, REDIS_URL, KAFKA_BROKERS } = process.env;
const haveServers = Boolean(POSTGRES_URL && REDIS_URL && KAFKA_BROKERS);

// The bound the README states for a tick to show in tick and candle queries.
const VISIBILITY_BOUND_MS = 5_000;

describe.skipIf(!haveServers)(`ingest through Kafka into ClickHouse${haveServers ? '' : ' (POSTGRES_URL, REDIS_URL or KAFKA_BROKERS not set)'}`, () => {
  const run = Math.random().toString(36).slice(2, 7).toUpperCase();
  const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD'].map((s) => `${s}${run}`);
  let clickhouse: ClickHouseFixture;
  let env: Record<string, string>;
  let ticks: TickStore;
  const gateways: GatewayProcess[] = [];
  const start = async () => {
    const g = await spawnGateway(env);
    gateways.push(g);
    return g;
  };

  beforeAll(async () => {
    clickhouse = await startClickHouseFixture();
    env = {
      POSTGRES_URL: POSTGRES_URL!,
      REDIS_URL: REDIS_URL!,
      KAFKA_BROKERS: KAFKA_BROKERS!,
      KAFKA_TOPIC: `ticks-${run}`,
      KAFKA_SINK_GROUP: `sink-${run}`,
      KAFKA_SINK_MAX_WAIT_MS: '200',
      CLICKHOUSE_URL: clickhouse.url,
      MIGRATE_ON_START: 'true',
    };
    ticks = createClickHouseTickStore({ url: clickhouse.url, database: 'default', username: 'default', password: '', requestTimeoutMs: 10_000 });
    await ticks.start();
  });
  afterAll(async () => {
    for (const g of gateways) await g.kill();
    await ticks?.close();
    await clickhouse?.stop();
  });

  /** Polls until `check` passes or the bound is exceeded. */
  async function within<T>(boundMs: number, read: () => Promise<T>, done: (value: T) => boolean): Promise<{ value: T; ms: number }> {
    const started = Date.now();
    for (;;) {
      const value = await read();
      const ms = Date.now() - started;
      if (done(value) || ms > boundMs) return { value, ms };
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('acknowledges ticks once durable, shows latestTick at once and ticks and candles within the bound', async () => {
    const a = await start();
    expect((await a.gql(UPSERT, { instruments: SYMBOLS.map((s) => instrument(s)) })).data.upsertInstruments).toBe(4);
    const time = Date.now() - 120_000;
    const batch = SYMBOLS.flatMap((symbol, i) => [0, 1, 2].map((k) => ({ symbol, time: time + k, bid: 1 + i, ask: 2 + i, volume: 1 })));
    const res = await a.gql(INSERT, { ticks: batch });
    expect(res.data.insertTicks).toEqual({ accepted: 12, duplicates: 0, rejected: [] });

    const latest = await a.gql(`query($s: String!) { instrument(symbol: $s) { latestTick { time bid } } }`, { s: SYMBOLS[0] });
    expect(latest.data.instrument.latestTick).toEqual({ time: new Date(time + 2).toISOString(), bid: 1 });

    const seen = await within(
      VISIBILITY_BOUND_MS,
      async () => (await a.gql(`query($s: String!) { ticks(symbol: $s) { edges { node { time } } } candles(symbol: $s, interval: M1, limit: 5) { ticks } }`, { s: SYMBOLS[3] })).data,
      (d) => d.ticks.edges.length === 3 && d.candles[0]?.ticks === 3,
    );
    expect(seen.value.ticks.edges).toHaveLength(3);
    expect(seen.value.candles).toEqual([{ ticks: 3 }]);

    // a re-sent batch is counted as duplicates, even before the sink has stored it
    expect((await a.gql(INSERT, { ticks: batch })).data.insertTicks).toMatchObject({ accepted: 0, duplicates: 12 });
  });

  it('writes RowBinary records by default and JSON ones with KAFKA_RECORD_FORMAT=json, and gateways of either setting serve both from one topic', async () => {
    const a = gateways[0] ?? (await start());
    const json = await spawnGateway({ ...env, KAFKA_RECORD_FORMAT: 'json' });
    gateways.push(json);
    const symbol = SYMBOLS[2]!;
    const time = Date.now() - 90_000;
    expect((await a.gql(INSERT, { ticks: [{ symbol, time, bid: 1, ask: 2 }] })).data.insertTicks.accepted).toBe(1);
    expect((await json.gql(INSERT, { ticks: [{ symbol, time: time + 1, bid: 1.5, ask: 2 }] })).data.insertTicks.accepted).toBe(1);
    // The topic as a consumer outside marketgraph reads it: the format header of each of this symbol's records.
    const kafka = new Kafka({ clientId: `formats-${run}`, brokers: KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `formats-${run}` });
    const formats: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: env.KAFKA_TOPIC!, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void (message.key?.toString() === symbol && formats.push(String(message.headers?.['marketgraph-format']))) });
    const read = await within(10_000, async () => formats.length, (n) => n >= 2);
    await consumer.disconnect();
    expect(read.value).toBeGreaterThanOrEqual(2);
    expect(formats.slice(-2)).toEqual(['3', '2']);
    // Both gateways read both records: the sink stored them, and the JSON gateway answers the same.
    for (const g of [a, json]) {
      const seen = await within(VISIBILITY_BOUND_MS, async () => (await g.gql(`query($s: String!) { ticks(symbol: $s, first: 10) { edges { node { bid } } } }`, { s: symbol })).data.ticks.edges.map((e: any) => e.node.bid), (bids) => bids.includes(1.5));
      expect(seen.value).toEqual(expect.arrayContaining([1, 1.5]));
    }
  });

  it('delivers a tick accepted on one gateway process to a subscriber of another', async () => {
    const [a, b] = gateways.length >= 2 ? gateways : [gateways[0] ?? (await start()), await start()];
    const client = createClient({ url: b!.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    const received: any[] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    let subscribed = false;
    client.on('connected', () => (subscribed = true));
    const dispose = client.subscribe(
      { query: `subscription($s: [String!]!) { ticks(symbols: $s) { symbol bid cursor } }`, variables: { s: [SYMBOLS[1]] } },
      { next: (m) => (received.push(m.data?.ticks), received.length === 2 && resolve()), error: (e) => (received.push(e), resolve()), complete: () => resolve() },
    );
    while (!subscribed) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // the subscribe message is processed after connect
    const time = Date.now() - 60_000;
    const res = await a!.gql(INSERT, {
      ticks: [
        { symbol: SYMBOLS[1], time, bid: 5, ask: 6 },
        { symbol: SYMBOLS[2], time, bid: 7, ask: 8 },
        { symbol: SYMBOLS[1], time: time + 1, bid: 5.5, ask: 6 },
      ],
    });
    expect(res.data.insertTicks.accepted).toBe(3);
    await done;
    dispose();
    await client.dispose();
    expect(received.map((t) => [t.symbol, t.bid])).toEqual([
      [SYMBOLS[1], 5],
      [SYMBOLS[1], 5.5],
    ]);
  });

  it('keeps storing and delivering ticks after a record it cannot read lands on the topic, and says so in its log and metrics', async () => {
    // Another program writing to the topic: before, its record stopped the partition's sink and
    // live feed for good, while insertTicks went on acknowledging ticks that were never stored.
    const a = gateways[0] ?? (await start());
    const symbol = SYMBOLS[3]!;
    const client = createClient({ url: a.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    const received: number[] = [];
    let connected = false;
    client.on('connected', () => (connected = true));
    const dispose = client.subscribe(
      { query: `subscription($s: [String!]!) { ticks(symbols: $s) { bid } }`, variables: { s: [symbol] } },
      { next: (m) => void received.push((m.data as any).ticks.bid), error: () => undefined, complete: () => undefined },
    );
    while (!connected) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // the subscribe message is processed after connect
    // Keyed by the symbol: the partition its ticks go to (the same default partitioner).
    const producer = new Kafka({ clientId: `junk-${run}`, brokers: KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: env.KAFKA_TOPIC!, acks: -1, messages: [{ key: symbol, value: 'not a tick' }] });
    await producer.disconnect();
    const time = Date.now() - 30_000;
    expect((await a.gql(INSERT, { ticks: [{ symbol, time, bid: 42, ask: 43 }] })).data.insertTicks.accepted).toBe(1);
    const delivered = await within(VISIBILITY_BOUND_MS, async () => received, (bids) => bids.includes(42));
    dispose();
    await client.dispose();
    expect(delivered.value).toContain(42);
    const stored = await within(VISIBILITY_BOUND_MS, async () => (await a.gql(`query($s: String!) { ticks(symbol: $s, first: 50) { edges { node { bid } } } }`, { s: symbol })).data.ticks.edges.map((e: any) => e.node.bid), (bids) => bids.includes(42));
    expect(stored.value).toContain(42);
    // Every process's live feed reads the record; the sink of whichever process holds the partition.
    const said = gateways.flatMap((g) => g.logs).filter((line) => line.includes('passed over a record of the tick topic')).map((line) => JSON.parse(line));
    expect(said.map((l) => l.reader)).toEqual(expect.arrayContaining(['live_feed', 'sink']));
    expect(said[0].reason).toMatch(/not one JSON tick|JSON/);
    const metrics = await (await fetch(a.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(/marketgraph_stream_unreadable_records_total\{reader="live_feed",outcome="skipped"\} [1-9]/);
  });

  it('loses no acknowledged tick and stores none twice when a gateway is killed mid-load', async () => {
    const victim = await start();
    const symbol = SYMBOLS[0]!;
    const acknowledged: any[] = [];
    const sent: any[] = [];
    let t = Date.now() - 3_600_000;
    const load = (async () => {
      for (let batch = 0; batch < 400; batch++) {
        const ticks = Array.from({ length: 200 }, () => ({ symbol, time: t++, bid: 1.1, ask: 1.2, volume: batch }));
        sent.push(...ticks);
        try {
          const res = await victim.gql(INSERT, { ticks });
          if (res.data?.insertTicks) acknowledged.push(...ticks);
        } catch {
          return; // the connection died with the process: this batch was never acknowledged
        }
      }
    })();
    while (acknowledged.length < 4_000) await new Promise((r) => setTimeout(r, 10));
    await victim.kill();
    await load;
    expect(acknowledged.length).toBeGreaterThanOrEqual(4_000);

    // A fresh gateway joins the sink group and finishes what the killed one left.
    await start();
    const from = acknowledged[0].time;
    const to = sent.at(-1).time;
    const { value: stored } = await within(
      30_000,
      () => ticks.ticksBetween([symbol], from, to),
      (rows) => rows.length >= acknowledged.length,
    );
    const counts = new Map<string, number>();
    for (const row of stored) counts.set(tickKey(row), (counts.get(tickKey(row)) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    const missing = acknowledged.filter((tick) => !counts.has(tickKey({ last: null, flags: null, ...tick })));
    expect(missing).toEqual([]);
    // Anything stored beyond the acknowledged ticks was sent in the batch that was in flight.
    expect(stored.length).toBeLessThanOrEqual(sent.length);
  });
});
